"""Rules of the structure that the import contracts cannot see (issue: a codebase the next
engineer can change safely).

- Outside ``storage/``, nobody reaches past the unit of work to its session: no ``.session``
  of a unit of work, no ``UnitOfWork.joining``. (Benchmarks and tests may.)
- Nobody splits callback data by hand: a flow reads its buttons with its codec
  (``conversations/typed_buttons.py``).
- No flow or service branches on the text of the project's own errors: wording is chosen by an
  error's class. Telegram's own error texts, which PTB does not type, are the exception.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("bot", "conversations", "coaching")
CODEC = ROOT / "conversations" / "typed_buttons.py"
# What Telegram's BadRequest says, which only its text tells apart.
TELEGRAM_TEXTS = ("not modified", "not found", "can't be edited", "message to")


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"


def _names(node: ast.AST) -> str:
    return ast.unparse(node)


def session_reaches(path: Path, tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            owner = _names(node.value)
            if node.attr == "session" and re.search(r"\buow$|unit_of_work", owner):
                yield f"{_where(path, node)} {_names(node)}"
            if node.attr == "joining" and owner.endswith("UnitOfWork"):
                yield f"{_where(path, node)} {_names(node)}"


def _codec_classes(tree: ast.Module) -> set[ast.AST]:
    """The nodes inside classes that are codecs themselves (they define encode and decode)."""
    inside: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            methods = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
            if {"encode", "decode"} <= methods:
                inside.update(ast.walk(node))
    return inside


def hand_split_callbacks(path: Path, tree: ast.Module) -> Iterator[str]:
    """Splits of callback data outside a codec (the shared one, or a flow's own class with an
    encode and a decode, for data the shared one cannot shape)."""
    if path == CODEC:
        return
    codecs = _codec_classes(tree)
    for node in ast.walk(tree):
        if node in codecs:
            continue
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr not in {"split", "rsplit", "partition", "rpartition"}:
            continue
        if not node.args or not isinstance(node.args[0], ast.Constant) or node.args[0].value != ":":
            continue
        target = _names(node.func.value)
        if "data" in target:
            yield f"{_where(path, node)} {_names(node)}"


def error_text_branches(path: Path, tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        text = _names(node)
        if "str(" not in text or not re.search(r"str\((error|exc|e|err)\)", text):
            continue
        if any(telegram in text for telegram in TELEGRAM_TEXTS):
            continue
        yield f"{_where(path, node)} {text}"


def _offences(rule: object) -> list[str]:
    assert callable(rule)
    return sorted(found for path, tree in _sources() for found in rule(path, tree))


def test_nothing_outside_storage_reaches_the_session_of_a_unit_of_work() -> None:
    assert _offences(session_reaches) == []


def test_no_callback_data_is_split_by_hand() -> None:
    assert _offences(hand_split_callbacks) == []


def test_no_branch_on_the_text_of_our_own_errors() -> None:
    assert _offences(error_text_branches) == []


def test_the_rules_see_what_they_forbid() -> None:
    sample = ast.parse(
        "x = uow.session.execute(q)\n"
        "y = UnitOfWork.joining(s)\n"
        "parts = (query.data or '').split(':')\n"
        "if str(error) == FINISHED: pass\n"
        "if 'not modified' in str(error): pass\n"
        "words = text.split(':')\n"
        "class Own:\n"
        "    def encode(self): return 'a:b'\n"
        "    def decode(cls, data): return data.split(':')\n"
    )
    path = ROOT / "conversations" / "sample.py"
    assert sorted(f.split(" ", 1)[0] for f in session_reaches(path, sample)) == [
        "conversations/sample.py:1",
        "conversations/sample.py:2",
    ]
    assert [f.split(" ", 1)[0] for f in hand_split_callbacks(path, sample)] == [
        "conversations/sample.py:3"
    ]
    assert [f.split(" ", 1)[0] for f in error_text_branches(path, sample)] == [
        "conversations/sample.py:4"
    ]
