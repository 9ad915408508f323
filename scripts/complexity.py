"""The cyclomatic-complexity limit: no function in bot, conversations, coaching or storage may
score over LIMIT with radon (which counts boolean operators and asserts too).

The functions over the limit when the check came in are listed, with their score then, in
complexity-baseline.txt beside this script. That list only shrinks: a listed function may not
get worse, a function not listed may not go over the limit, and a listed function that is now
within the limit (or gone), or better than its listed score, must be struck off or lowered.

    .venv/bin/python scripts/complexity.py            # check (scripts/test runs this)
    .venv/bin/python scripts/complexity.py --update   # strike off and lower, never add
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from radon.complexity import cc_visit

LIMIT = 15
PACKAGES = ("bot", "conversations", "coaching", "storage")
ROOT = Path(__file__).resolve().parents[1]
BASELINE = Path(__file__).with_name("complexity-baseline.txt")
HEADER = (
    "# Functions over the complexity limit (scripts/complexity.py) and their radon score.\n"
    "# This list only shrinks: strike a function off once it is within the limit.\n"
)


def _functions(blocks: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, int]]:
    """(qualified name, score) for every function, method and nested function."""
    for block in blocks:
        if not hasattr(block, "closures"):  # a class: its methods come as blocks of their own
            continue
        name = f"{prefix}{block.fullname}"
        yield name, block.complexity
        yield from _functions(block.closures, f"{name}.")


def measure() -> dict[str, int]:
    """Every function's score, keyed ``path::qualified.name`` (the worst of any namesakes)."""
    scores: dict[str, int] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for name, score in _functions(cc_visit(path.read_text(encoding="utf-8"))):
                key = f"{relative}::{name}"
                scores[key] = max(score, scores.get(key, 0))
    return scores


def read_baseline() -> dict[str, int]:
    baseline: dict[str, int] = {}
    for line in BASELINE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            score, key = line.split(maxsplit=1)
            baseline[key] = int(score)
    return baseline


def write_baseline(baseline: dict[str, int]) -> None:
    lines = [f"{score} {key}\n" for key, score in sorted(baseline.items())]
    BASELINE.write_text(HEADER + "".join(lines), encoding="utf-8")


def problems(scores: dict[str, int], baseline: dict[str, int]) -> list[str]:
    found: list[str] = []
    for key, score in sorted(scores.items()):
        allowed = baseline.get(key)
        if score > LIMIT and allowed is None:
            found.append(f"{key}: complexity {score}, over the limit of {LIMIT}")
        elif allowed is not None and score > allowed:
            found.append(f"{key}: complexity {score}, worse than its baseline {allowed}")
    for key, allowed in sorted(baseline.items()):
        score = scores.get(key)
        if score is None or score <= LIMIT:
            found.append(f"{key}: within the limit now; strike it off the baseline")
        elif score < allowed:
            found.append(f"{key}: complexity {score}, better than its baseline {allowed}; lower it")
    return found


def shrunk(scores: dict[str, int], baseline: dict[str, int]) -> dict[str, int]:
    """The baseline with what has improved struck off or lowered; nothing is added."""
    kept: dict[str, int] = {}
    for key, allowed in baseline.items():
        score = scores.get(key)
        if score is not None and score > LIMIT:
            kept[key] = min(score, allowed)
    return kept


def main(argv: list[str]) -> int:
    scores = measure()
    baseline = read_baseline()
    if "--update" in argv:
        baseline = shrunk(scores, baseline)
        write_baseline(baseline)
    found = problems(scores, baseline)
    for problem in found:
        print(problem)
    over = sum(score > LIMIT for score in scores.values())
    print(f"complexity: {over} functions over {LIMIT}, {len(baseline)} in the baseline")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
