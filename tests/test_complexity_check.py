"""The complexity limit's rules (scripts/complexity.py): nothing new over the limit, nothing
baselined gets worse, and the baseline only shrinks."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "complexity.py"


@pytest.fixture(scope="module")
def complexity() -> ModuleType:
    spec = importlib.util.spec_from_file_location("complexity_check", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_new_function_over_the_limit_fails(complexity: ModuleType) -> None:
    found = complexity.problems({"bot/x.py::f": 16, "bot/x.py::g": 15}, {})
    assert found == ["bot/x.py::f: complexity 16, over the limit of 15"]


def test_a_baselined_function_may_not_get_worse(complexity: ModuleType) -> None:
    assert complexity.problems({"bot/x.py::f": 20}, {"bot/x.py::f": 20}) == []
    found = complexity.problems({"bot/x.py::f": 21}, {"bot/x.py::f": 20})
    assert found == ["bot/x.py::f: complexity 21, worse than its baseline 20"]


def test_the_baseline_only_shrinks(complexity: ModuleType) -> None:
    scores = {"bot/x.py::better": 18, "bot/x.py::fixed": 9}
    baseline = {"bot/x.py::better": 20, "bot/x.py::fixed": 17, "bot/x.py::gone": 30}
    assert complexity.problems(scores, baseline) == [
        "bot/x.py::better: complexity 18, better than its baseline 20; lower it",
        "bot/x.py::fixed: within the limit now; strike it off the baseline",
        "bot/x.py::gone: within the limit now; strike it off the baseline",
    ]
    assert complexity.shrunk(scores | {"bot/x.py::new": 40}, baseline) == {"bot/x.py::better": 18}


def test_nested_functions_and_boolean_operators_count(complexity: ModuleType) -> None:
    from radon.complexity import cc_visit

    code = (
        "class A:\n"
        "    def m(self, x):\n"
        "        def inner(y):\n"
        "            if y and x or not y:\n"
        "                return 1\n"
        "        return inner\n"
    )
    assert dict(complexity._functions(cc_visit(code))) == {"A.m": 1, "A.m.inner": 4}
