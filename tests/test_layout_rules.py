"""Rules for the test suite's own layout: no test module is used as a library.

A test module (a file named ``test_*.py``) holds tests. What several tests share lives in
modules that are not tests (``tests/factories.py``, ``tests/helpers.py``,
``tests/process_helpers.py``, ``tests/fakes/``) or in fixtures (``tests/conftest.py``), so that
changing one test file never breaks another. The benchmarks in ``bench/`` keep the same rule.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _package(path: Path) -> str:
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _absolute(node: ast.ImportFrom, path: Path) -> str:
    """The module ``node`` imports from, with a relative import resolved against ``path``."""
    if node.level == 0:
        return node.module or ""
    base = _package(path).split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imported_modules(source: str, path: Path) -> Iterator[tuple[int, str]]:
    """Every module that ``source``, the text of ``path``, may import, with its line:
    ``from a import b`` gives both ``a`` and ``a.b``, since ``b`` may be a module."""
    tree = ast.parse(source, filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, path)
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def is_test_module(name: str) -> bool:
    return name.rpartition(".")[2].startswith("test_")


def test_no_test_or_benchmark_file_imports_a_test_module() -> None:
    files = sorted([*TESTS.rglob("*.py"), *(ROOT / "bench").rglob("*.py")])
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in files
        for line, name in imported_modules(path.read_text(encoding="utf-8"), path)
        if is_test_module(name)
    ]
    advice = (
        "test modules are not libraries; move what is shared into tests/factories.py, "
        "tests/helpers.py, tests/process_helpers.py, tests/fakes/ or a fixture"
    )
    assert offences == [], advice + ":\n" + "\n".join(offences)


def test_the_rule_sees_every_way_of_importing_a_test_module() -> None:
    # The checker itself, on text that names a test module in each form an import can take,
    # read as if it were a file in tests/flows/.
    source = (
        "from tests.flows.test_assign import assign_bob\n"
        "import tests.test_process\n"
        "from tests.flows import test_schedule\n"
        "from .test_workouts import setup\n"
        "from . import test_log_card\n"
        "from ..services.test_import_chunks import ZOE\n"
        "def later():\n"
        "    from tests.test_process import run_entry\n"
        "from tests.factories import make_user\n"
        "from tests import conftest\n"
    )
    found = imported_modules(source, TESTS / "flows" / "sample.py")
    lines = sorted({line for line, name in found if is_test_module(name)})
    assert lines == [1, 2, 3, 4, 5, 6, 8]
