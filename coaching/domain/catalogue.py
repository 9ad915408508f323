"""The built-in exercise catalogue and forgiving exercise search.

Two things live here:

* :func:`load_builtin_catalogue` reads ``coaching/data/exercises.json`` (shipped as package data),
  validates every entry against a fixed vocabulary and returns immutable :class:`ExerciseSpec`
  values. A malformed file fails loudly with a :class:`CatalogueError` naming the entry and field.
* :func:`search_exercises` finds the exercise a trainer meant when they type ``rdl``, ``db curl``,
  ``pullups`` or ``deadlfit``. It works over any list of :class:`SearchCandidate` values, so the
  same search serves the built-in catalogue (keyed by slug) and a trainer's own exercises (keyed by
  database id).

Search runs on every logged message, so the expensive part, normalising every name and alias, is
done once in :func:`build_index`. :func:`search_exercises` keeps a small cache of indexes keyed by
the candidate tuple, so callers that pass the same candidates each time pay for it only once;
callers that hold on to a :class:`SearchIndex` themselves skip even the cache lookup.

How a query is scored:

1. The query and every name and alias are normalised with :func:`normalise_name` (case,
   punctuation, plurals and the abbreviations ``db``/``bb``/``kb``/``bw``).
2. If the normalised query equals a name or alias, or equals one once spaces are ignored
   (``benchpress`` and ``bench press``), the hit is *exact* and scores 100.
3. Otherwise each name and alias is compared with rapidfuzz: ``WRatio`` (which copes with word
   order, extra words and partial queries) and a plain ratio on the space-free forms (which copes
   with typos inside run-together words). The best term decides the candidate's score; a plain
   ratio against the whole term breaks ties, so ``curl`` prefers a short name over a long one.
4. Hits below :data:`SCORE_CUTOFF` are dropped, so nonsense returns an empty list.

Aliases of three characters or fewer (``rdl``, ``ohp``, ``bs``) only ever match exactly: fuzzy
matching on them would make almost any short query look like a hit.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from typing import Final, TypeAlias

from rapidfuzz import fuzz, process

from coaching.domain.enums import Difficulty
from coaching.errors import InvalidInput

__all__ = [
    "CATEGORIES",
    "MEASURES",
    "MUSCLE_GROUPS",
    "SCORE_CUTOFF",
    "CatalogueError",
    "ExerciseSpec",
    "SearchCandidate",
    "SearchHit",
    "SearchIndex",
    "app_name_slug",
    "build_index",
    "builtin_index",
    "catalogue_candidates",
    "check_target_fits",
    "crosses_variant",
    "load_builtin_catalogue",
    "normalise_name",
    "parse_catalogue",
    "search_exercises",
    "variant_of",
]

CATEGORIES: Final[frozenset[str]] = frozenset(
    {
        "barbell",
        "dumbbell",
        "machine",
        "cable",
        "bodyweight",
        "kettlebell",
        "cardio",
        "band",
        "other",
    }
)
"""Every value an exercise's ``category`` may take."""

MUSCLE_GROUPS: Final[frozenset[str]] = frozenset(
    {
        "chest",
        "back",
        "lats",
        "traps",
        "shoulders",
        "biceps",
        "triceps",
        "forearms",
        "core",
        "glutes",
        "quads",
        "hamstrings",
        "calves",
        "adductors",
        "abductors",
        "full_body",
        "cardio",
    }
)
"""Every value an exercise's ``muscle_groups`` may contain."""

MEASURES: Final[frozenset[str]] = frozenset({"weight_reps", "reps", "time", "distance_time"})
"""How sets of an exercise are recorded: load and reps, reps only, a duration, or distance/time."""

SCORE_CUTOFF: Final[float] = 72.0
"""Hits scoring below this (out of 100) are not worth showing to the user."""

_MAX_NAME_LENGTH: Final = 100
_SLUG_RE: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FIELDS: Final = frozenset(
    {
        "slug",
        "name",
        "aliases",
        "category",
        "muscle_groups",
        "equipment",
        "difficulty",
        "measure",
        "is_main_lift",
    }
)


class CatalogueError(ValueError):
    """The exercise catalogue data is malformed; the message names the entry and the field."""


@dataclass(frozen=True, slots=True)
class ExerciseSpec:
    """One exercise of the built-in catalogue.

    Attributes:
        slug: Stable, unique, kebab-case identifier, e.g. ``"barbell-back-squat"``.
        name: Display name, e.g. ``"Barbell Back Squat"``.
        aliases: Other names people type, e.g. ``("back squat", "squat", "bs")``.
        category: One of :data:`CATEGORIES`.
        muscle_groups: Muscles worked, each one of :data:`MUSCLE_GROUPS`, main movers first.
        equipment: Equipment needed, empty when none is.
        difficulty: How hard the movement is to learn.
        measure: One of :data:`MEASURES`.
        is_main_lift: True for the big compound lifts that progression alerts follow.
    """

    slug: str
    name: str
    aliases: tuple[str, ...]
    category: str
    muscle_groups: tuple[str, ...]
    equipment: tuple[str, ...]
    difficulty: Difficulty
    measure: str
    is_main_lift: bool


@dataclass(frozen=True, slots=True)
class SearchCandidate:
    """Something the user may be naming: ``key`` is whatever the caller uses (db id or slug)."""

    key: int | str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result. ``score`` is 0..100; ``exact`` means a name or alias matched fully."""

    key: int | str
    name: str
    score: float
    exact: bool


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------

_ABBREVIATIONS: Final[Mapping[str, str]] = {
    "db": "dumbbell",
    "dbs": "dumbbell",
    "bb": "barbell",
    "bbs": "barbell",
    "kb": "kettlebell",
    "kbs": "kettlebell",
    "bw": "bodyweight",
    "ext": "extension",
}
_APOSTROPHES_RE: Final = re.compile(r"['’`´]")
_NON_WORD_RE: Final = re.compile(r"[^a-z0-9]+")
# Words ending like this are already singular ("press", "biceps" is handled as "bicep").
_SINGULAR_ENDINGS: Final = ("ss", "us", "is")
_ES_PLURAL_ENDINGS: Final = ("sses", "shes", "ches", "xes")


def _singularise(word: str) -> str:
    """Turn a simple English plural into its singular; leave everything else alone."""
    if len(word) <= 2 or not word.endswith("s") or word.endswith(_SINGULAR_ENDINGS):
        return word
    if word.endswith(_ES_PLURAL_ENDINGS):
        return word[:-2]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1]


def normalise_name(text: str) -> str:
    """Reduce an exercise name to a canonical form for comparison.

    Lower-cases, drops accents and punctuation (``pull-up`` becomes ``pull up``), turns ``&`` into
    ``and``, collapses whitespace, singularises simple plurals (``squats`` becomes ``squat``,
    ``presses`` becomes ``press``) and expands the common abbreviations ``db`` (dumbbell),
    ``bb`` (barbell), ``kb`` (kettlebell) and ``bw`` (bodyweight).

    >>> normalise_name("DB Curls!")
    'dumbbell curl'
    >>> normalise_name("Farmer's  Walk")
    'farmer walk'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    ascii_text = _APOSTROPHES_RE.sub("", ascii_text.replace("&", " and "))
    words = _NON_WORD_RE.sub(" ", ascii_text).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in map(_singularise, words))


def _compact(normalised: str) -> str:
    return normalised.replace(" ", "")


# --------------------------------------------------------------------------------------------
# Catalogue loading and validation
# --------------------------------------------------------------------------------------------


def _fail(where: str, message: str) -> CatalogueError:
    return CatalogueError(f"Exercise catalogue {where}: {message}")


def _str_field(entry: Mapping[str, object], field: str, where: str) -> str:
    value = entry[field]
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"{field!r} must be a non-empty string, got {value!r}")
    if value != value.strip():
        raise _fail(where, f"{field!r} has leading or trailing spaces: {value!r}")
    return value


def _str_list_field(entry: Mapping[str, object], field: str, where: str) -> tuple[str, ...]:
    value = entry[field]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(where, f"{field!r} must be a list of non-empty strings, got {value!r}")
    items = tuple(str(v) for v in value)
    if len(set(items)) != len(items):
        raise _fail(where, f"{field!r} lists a value twice: {value!r}")
    return items


def _vocab_field(value: str, vocabulary: frozenset[str], field: str, where: str) -> str:
    if value not in vocabulary:
        allowed = ", ".join(sorted(vocabulary))
        raise _fail(where, f"unknown {field} {value!r}; expected one of: {allowed}")
    return value


def _parse_entry(entry: object, index: int) -> ExerciseSpec:
    where = f"entry {index}"
    if not isinstance(entry, dict):
        raise _fail(where, f"must be an object, got {type(entry).__name__}")
    raw_slug = entry.get("slug")
    if isinstance(raw_slug, str):
        where = f"entry {index} ({raw_slug!r})"
    missing = _FIELDS - entry.keys()
    if missing:
        raise _fail(where, f"missing field(s): {', '.join(sorted(missing))}")
    unknown = entry.keys() - _FIELDS
    if unknown:
        raise _fail(where, f"unknown field(s): {', '.join(sorted(unknown))}")

    slug = _str_field(entry, "slug", where)
    if not _SLUG_RE.fullmatch(slug):
        raise _fail(where, f"slug must be kebab-case like 'barbell-back-squat', got {slug!r}")
    name = _str_field(entry, "name", where)
    if len(name) > _MAX_NAME_LENGTH:
        raise _fail(where, f"name is longer than {_MAX_NAME_LENGTH} characters")
    aliases = _str_list_field(entry, "aliases", where)
    category = _vocab_field(_str_field(entry, "category", where), CATEGORIES, "category", where)
    muscle_groups = _str_list_field(entry, "muscle_groups", where)
    if not muscle_groups:
        raise _fail(where, "'muscle_groups' must name at least one muscle group")
    for muscle in muscle_groups:
        _vocab_field(muscle, MUSCLE_GROUPS, "muscle group", where)
    equipment = _str_list_field(entry, "equipment", where)
    raw_difficulty = _str_field(entry, "difficulty", where)
    try:
        difficulty = Difficulty(raw_difficulty)
    except ValueError:
        allowed = ", ".join(d.value for d in Difficulty)
        raise _fail(
            where, f"unknown difficulty {raw_difficulty!r}; expected one of: {allowed}"
        ) from None
    measure = _vocab_field(_str_field(entry, "measure", where), MEASURES, "measure", where)
    is_main_lift = entry["is_main_lift"]
    if not isinstance(is_main_lift, bool):
        raise _fail(where, f"'is_main_lift' must be true or false, got {is_main_lift!r}")
    return ExerciseSpec(
        slug=slug,
        name=name,
        aliases=aliases,
        category=category,
        muscle_groups=muscle_groups,
        equipment=equipment,
        difficulty=difficulty,
        measure=measure,
        is_main_lift=is_main_lift,
    )


def parse_catalogue(data: object) -> tuple[ExerciseSpec, ...]:
    """Validate decoded catalogue JSON and turn it into :class:`ExerciseSpec` values.

    The document is ``{"version": 1, "exercises": [...]}``. Besides the per-field checks, slugs
    must be unique and no name or alias may, once normalised, belong to two exercises; otherwise
    an exact search for it would be ambiguous.

    Raises:
        CatalogueError: naming the first offending entry and what is wrong with it.
    """
    if not isinstance(data, dict) or not isinstance(data.get("exercises"), list):
        raise _fail("document", 'must be an object with an "exercises" list')
    specs = tuple(_parse_entry(entry, i) for i, entry in enumerate(data["exercises"]))
    seen_slugs: set[str] = set()
    term_owner: dict[str, str] = {}
    for spec in specs:
        if spec.slug in seen_slugs:
            raise _fail(f"entry {spec.slug!r}", "slug is used by more than one exercise")
        seen_slugs.add(spec.slug)
        for term in (spec.name, *spec.aliases):
            key = _compact(normalise_name(term))
            if not key:
                raise _fail(f"entry {spec.slug!r}", f"{term!r} has no letters or digits")
            owner = term_owner.setdefault(key, spec.slug)
            if owner != spec.slug:
                raise _fail(
                    f"entry {spec.slug!r}", f"name or alias {term!r} is also used by {owner!r}"
                )
    return specs


@cache
def load_builtin_catalogue() -> tuple[ExerciseSpec, ...]:
    """Load, validate and cache the built-in catalogue shipped in ``coaching/data``.

    Raises:
        CatalogueError: if the shipped file is not valid JSON or breaks a catalogue rule.
    """
    resource = files("coaching") / "data" / "exercises.json"
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise _fail("file", f"is not valid JSON: {exc}") from exc
    return parse_catalogue(data)


def catalogue_candidates(specs: Iterable[ExerciseSpec]) -> tuple[SearchCandidate, ...]:
    """Search candidates for catalogue exercises, keyed by slug."""
    return tuple(SearchCandidate(key=s.slug, name=s.name, aliases=s.aliases) for s in specs)


# --------------------------------------------------------------------------------------------
# Targets that fit how an exercise is measured
# --------------------------------------------------------------------------------------------

_MEASURED_BY: Final[Mapping[str, tuple[str, str]]] = {
    "time": ("time", "{name} 3x60s"),
    "distance_time": ("distance or time", "{name} 4x500m or {name} 1x20min"),
}


def check_target_fits(name: str, measure: str, *, reps: bool, loaded: bool) -> None:
    """Refuse reps with a load (``3x8 @60kg``) for an exercise measured by time or distance.

    ``measure`` is the exercise's catalogue measure; ``reps`` says the target is a rep count and
    ``loaded`` that a weight or a percentage goes with it. A timed or distance target, with or
    without a load (``Farmer's Carry 3x40m @32kg``), and reps without a load always fit.

    Raises:
        InvalidInput: naming the exercise and how it is measured, with an example that fits.
    """
    if not (reps and loaded) or measure not in _MEASURED_BY:
        return
    what, example = _MEASURED_BY[measure]
    raise InvalidInput(
        f"{name} is measured by {what}, not by reps with a load. Give a {what} per set instead.",
        example=example.format(name=name),
    )


# --------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------

_ABBREVIATION_MAX_LENGTH: Final = 3
_Scorer: TypeAlias = Callable[..., float]
_TIEBREAK_WEIGHT: Final = 0.1
_EXPLAINED_SIMILARITY: Final = 70.0
_UNEXPLAINED_WORD_PENALTY: Final = 20.0
_FILLER_WORDS: Final = frozenset({"a", "the", "with", "on", "of", "for", "using", "and", "to"})


class SearchIndex:
    """Candidates with their names and aliases normalised once, ready to be searched many times.

    Build one with :func:`build_index`. It holds no mutable state after construction, so it can
    be shared between concurrent updates.
    """

    __slots__ = ("_candidates", "_compact_terms", "_exact", "_owners", "_terms")

    def __init__(self, candidates: Sequence[SearchCandidate]) -> None:
        self._candidates: tuple[SearchCandidate, ...] = tuple(candidates)
        exact: dict[str, list[int]] = {}
        terms: list[str] = []
        compact_terms: list[str] = []
        owners: list[int] = []
        for index, candidate in enumerate(self._candidates):
            seen: set[str] = set()
            for raw in (candidate.name, *candidate.aliases):
                term = normalise_name(raw)
                compact = _compact(term)
                if not compact or compact in seen:
                    continue
                seen.add(compact)
                exact.setdefault(compact, []).append(index)
                if len(compact) > _ABBREVIATION_MAX_LENGTH:
                    terms.append(term)
                    compact_terms.append(compact)
                    owners.append(index)
        self._exact: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in exact.items()}
        self._terms: tuple[str, ...] = tuple(terms)
        self._compact_terms: tuple[str, ...] = tuple(compact_terms)
        self._owners: tuple[int, ...] = tuple(owners)

    def __len__(self) -> int:
        return len(self._candidates)

    def search(self, query: str, limit: int = 5) -> list[SearchHit]:
        """Return up to ``limit`` hits for ``query``, best first.

        Exact hits (score 100) come first, then fuzzy hits at or above :data:`SCORE_CUTOFF`.
        An empty or meaningless query returns an empty list.

        Raises:
            ValueError: if ``limit`` is less than 1.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        normalised = normalise_name(query)
        compact = _compact(normalised)
        if not compact:
            return []

        best: dict[int, tuple[float, bool]] = {}
        for index in self._exact.get(compact, ()):
            best[index] = (100.0, True)

        # One- or two-character queries are abbreviations: only an exact match means anything.
        if len(compact) > 2:
            self._score_fuzzy(normalised, compact, best)

        ranked = sorted(
            best.items(),
            key=lambda item: (-item[1][0], self._candidates[item[0]].name.casefold(), item[0]),
        )
        return [
            SearchHit(
                key=self._candidates[index].key,
                name=self._candidates[index].name,
                score=score,
                exact=exact,
            )
            for index, (score, exact) in ranked[:limit]
        ]

    def _score_fuzzy(self, query: str, compact: str, best: dict[int, tuple[float, bool]]) -> None:
        """Add every fuzzy hit at or above the cut-off to ``best``, keeping each one's top score."""
        primary: dict[int, float] = {}
        for term_index, score in _scores(query, self._terms, fuzz.WRatio):
            primary[term_index] = score
        for term_index, score in _scores(compact, self._compact_terms, fuzz.ratio):
            primary[term_index] = max(primary.get(term_index, 0.0), score)
        query_words = [w for w in query.split() if w not in _FILLER_WORDS]
        for term_index, score in primary.items():
            term = self._terms[term_index]
            tiebreak = fuzz.ratio(query, term)
            blended = (1 - _TIEBREAK_WEIGHT) * score + _TIEBREAK_WEIGHT * tiebreak
            blended = round(blended - _unexplained_penalty(query_words, term.split()), 1)
            # Anything short of an exact match stays below 100 so it never outranks one.
            blended = min(blended, 99.9)
            if blended < SCORE_CUTOFF:
                continue
            owner = self._owners[term_index]
            current = best.get(owner)
            if current is None or blended > current[0]:
                best[owner] = (blended, False)


def _word_similarity(query_word: str, term_word: str) -> float:
    """How much ``query_word`` looks like ``term_word``, or like a part of it, out of 100.

    Only the query word may be the part: "dead" explains "deadlift", but "machine" is not
    explained by "chin". (Run-together query words are handled by the space-free ratio.)
    """
    similarity = fuzz.ratio(query_word, term_word)
    if _ABBREVIATION_MAX_LENGTH <= len(query_word) <= len(term_word):
        similarity = max(similarity, fuzz.partial_ratio(query_word, term_word))
    return similarity


def _unexplained_penalty(query_words: Sequence[str], term_words: Sequence[str]) -> float:
    """Points to take off a fuzzy hit for query words that resemble no word of the term.

    ``WRatio`` happily matches "foo bar" to "EZ-Bar Curl" on "bar" alone; a query word the hit
    does not account for is evidence that the user meant something else.
    """
    penalty = 0.0
    for query_word in query_words:
        best = max((_word_similarity(query_word, w) for w in term_words), default=0.0)
        if best < _EXPLAINED_SIMILARITY:
            penalty += _UNEXPLAINED_WORD_PENALTY * (1 - best / _EXPLAINED_SIMILARITY)
    return penalty


def _scores(query: str, choices: Sequence[str], scorer: _Scorer) -> list[tuple[int, float]]:
    """(choice index, score) for every choice scoring at least the lowest useful primary score."""
    matches = process.extract(
        query,
        choices,
        scorer=scorer,
        processor=None,
        limit=None,
        score_cutoff=SCORE_CUTOFF - 10,
    )
    return [(index, float(score)) for _choice, score, index in matches]


def build_index(candidates: Sequence[SearchCandidate]) -> SearchIndex:
    """Prepare ``candidates`` for repeated searching (normalises every name and alias once)."""
    return SearchIndex(candidates)


@lru_cache(maxsize=32)
def _cached_index(candidates: tuple[SearchCandidate, ...]) -> SearchIndex:
    return SearchIndex(candidates)


def builtin_index() -> SearchIndex:
    """The (cached) search index over the built-in catalogue; hit keys are slugs."""
    return _cached_index(catalogue_candidates(load_builtin_catalogue()))


def search_exercises(
    query: str, candidates: Sequence[SearchCandidate], *, limit: int = 5
) -> list[SearchHit]:
    """Find the exercises ``query`` most likely names, best first.

    A convenience over :func:`build_index`: indexes for recently used candidate tuples are
    cached, so calling this per message with the same candidates is cheap.

    >>> [hit.key for hit in search_exercises("rdl", [SearchCandidate("rdl-key", "Romanian DL",
    ...     ("rdl",))])]
    ['rdl-key']
    """
    return _cached_index(tuple(candidates)).search(query, limit)


# --------------------------------------------------------------------------------------------
# Other apps' exercise names, and what tells two exercises apart
# --------------------------------------------------------------------------------------------


@cache
def _app_name_slugs() -> dict[str, str]:
    from coaching.domain.app_names import APP_NAMES

    return {
        _compact(normalise_name(name)): slug for slug, names in APP_NAMES.items() for name in names
    }


def app_name_slug(name: str) -> str | None:
    """The catalogue slug of a Strong, Hevy or FitNotes built-in exercise name, if known.

    >>> app_name_slug("Lat Pulldown (Cable)")
    'lat-pulldown'
    """
    return _app_name_slugs().get(_compact(normalise_name(name)))


# Words that name equipment. An exercise's category counts as its equipment too.
_EQUIPMENT_WORDS: Final[Mapping[str, str]] = {
    "barbell": "barbell",
    "dumbbell": "dumbbell",
    "kettlebell": "kettlebell",
    "cable": "cable",
    "machine": "machine",
    "smith": "smith",
    "band": "band",
    "banded": "band",
    "bodyweight": "bodyweight",
    "ez": "ez",
    "ezbar": "ez",
    "trap": "trap",
    "hex": "trap",
}
_EQUIPMENT_CATEGORIES: Final = frozenset(
    {"barbell", "dumbbell", "kettlebell", "cable", "machine", "band", "bodyweight"}
)
# Phrases (on normalised names) that make a different exercise, and the mark each leaves.
_VARIANT_PHRASES: Final[tuple[tuple[str, str], ...]] = (
    ("single leg", "single-leg"),
    ("one leg", "single-leg"),
    ("single arm", "single-arm"),
    ("one arm", "single-arm"),
    ("close grip", "close-grip"),
    ("narrow grip", "close-grip"),
    ("wide grip", "wide-grip"),
    ("reverse grip", "reverse-grip"),
    ("underhand", "reverse-grip"),
    ("neutral grip", "neutral-grip"),
    ("stiff leg", "stiff-leg"),
    ("straight leg", "stiff-leg"),
    ("straight arm", "straight-arm"),
)
# Words that make a different exercise, each in its family; words of one family exclude each
# other (incline/decline, knee/leg, seated/standing, ...), and a word present on one side only
# is a different exercise too.
_VARIANT_WORDS: Final[Mapping[str, str]] = {
    "incline": "incline",
    "decline": "decline",
    "knee": "knee",
    "leg": "leg",
    "seated": "seated",
    "sitting": "seated",
    "standing": "standing",
    "lying": "lying",
    "prone": "lying",
    "kneeling": "kneeling",
    "hanging": "hanging",
    "front": "front",
    "rear": "rear",
    "sumo": "sumo",
    "romanian": "romanian",
    "rdl": "romanian",
    "deficit": "deficit",
    "pause": "pause",
    "paused": "pause",
    "box": "box",
    "bulgarian": "bulgarian",
    "split": "split",
    "hack": "hack",
    "goblet": "goblet",
    "zercher": "zercher",
    "pendlay": "pendlay",
    "pistol": "pistol",
    "jump": "jump",
    "reverse": "reverse",
    "walking": "walking",
    "assisted": "assisted",
    "weighted": "weighted",
    "hammer": "hammer",
    "preacher": "preacher",
    "concentration": "concentration",
    "overhead": "overhead",
    "lateral": "lateral",
    "upright": "upright",
    "hip": "hip",
    "calf": "calf",
    "wrist": "wrist",
}
# "leg" tells a variant only in a raise (hanging knee raise is not hanging leg raise): many
# exercises say "leg" without it meaning one (leg press, leg extension).


@dataclass(frozen=True, slots=True)
class Variant:
    """What tells an exercise apart from its neighbours: its equipment and variant words."""

    equipment: frozenset[str]
    marks: frozenset[str]


def variant_of(name: str, category: str | None = None) -> Variant:
    """The equipment and variant marks of an exercise name (and its category, if known).

    >>> sorted(variant_of("Single Leg Standing Calf Raise").marks)
    ['calf', 'single-leg', 'standing']
    """
    text = f" {normalise_name(name)} "
    marks: set[str] = set()
    for phrase, mark in _VARIANT_PHRASES:
        if f" {phrase} " in text:
            marks.add(mark)
            text = text.replace(f" {phrase} ", " ")
    equipment: set[str] = set()
    for word in text.split():
        if word in _EQUIPMENT_WORDS:
            equipment.add(_EQUIPMENT_WORDS[word])
        elif word in _VARIANT_WORDS:
            marks.add(_VARIANT_WORDS[word])
    if category in _EQUIPMENT_CATEGORIES:
        equipment.add(category)
    if "smith" in equipment:
        equipment.discard("machine")
    if equipment & {"ez", "trap"}:
        equipment.discard("barbell")
    if "leg" in marks and "knee" not in marks and "raise" not in text.split():
        marks.discard("leg")
    return Variant(frozenset(equipment), frozenset(marks))


def crosses_variant(query: str, name: str, category: str | None = None) -> bool:
    """Whether suggesting the exercise ``name`` for ``query`` would change the lift.

    Equipment named in the query must be the candidate's equipment; variant marks (incline,
    single-leg, knee, seated, close-grip, ...) must be the same on both sides.

    >>> crosses_variant("Incline Bench Press", "Barbell Bench Press", "barbell")
    True
    >>> crosses_variant("Bench Press", "Barbell Bench Press", "barbell")
    False
    """
    asked, offered = variant_of(query), variant_of(name, category)
    if asked.equipment and asked.equipment != offered.equipment:
        return True
    return asked.marks != offered.marks
