"""Pure rules for a trainer's profile: what may be typed into each field, and what is derived.

Everything here works on plain values. Each ``parse_*`` function reads what a trainer typed and
returns the clean value, or raises :class:`~coaching.errors.InvalidInput` whose ``str()`` says
what was wrong and shows good input. Typing ``-`` clears an optional field (``None``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from urllib.parse import urlsplit

from coaching.errors import InvalidInput

BIO_MAX = 2000
EXPERIENCE_MAX = 70
CLIENT_LIMIT_MIN = 1
CLIENT_LIMIT_MAX = 500
SPECIALIZATION_MAX_LEN = 60
SPECIALIZATIONS_MAX = 15
TAG_MAX_LEN = 32
TAGS_MAX = 10
RATE_MAX = Decimal("100000")
CERT_TEXT_MAX = 200
LINK_MAX = 500
EXPIRY_WARNING_DAYS = 30
CLEAR = "-"

# The directory's built-in categories: (slug, name), in the order trainers see them.
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("strength", "Strength"),
    ("hypertrophy", "Hypertrophy"),
    ("weight-loss", "Weight loss"),
    ("mobility", "Mobility"),
    ("rehab", "Rehab"),
    ("endurance", "Endurance"),
    ("sports-performance", "Sports performance"),
    ("pre-postnatal", "Pre/postnatal"),
    ("seniors", "Seniors"),
    ("nutrition", "Nutrition"),
)
CATEGORY_NAMES: dict[str, str] = dict(CATEGORIES)

# ISO 4217 currencies in circulation (funds, metals and test codes left out: nobody charges an
# hourly rate in gold).
_ISO_4217 = """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
    KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR
    MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR
    SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX
    USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
"""
CURRENCIES: frozenset[str] = frozenset(_ISO_4217.split())

# Symbols people type in front of (or after) an amount. Ambiguous ones such as "kr" are left
# out: the trainer types the code instead.
CURRENCY_SYMBOLS: dict[str, str] = {
    "€": "EUR",
    "$": "USD",
    "us$": "USD",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₽": "RUB",
    "₩": "KRW",
    "₺": "TRY",
    "₴": "UAH",
    "₪": "ILS",
    "₱": "PHP",
    "₫": "VND",
    "฿": "THB",
    "zł": "PLN",
    "r$": "BRL",
    "a$": "AUD",
    "au$": "AUD",
    "c$": "CAD",
    "ca$": "CAD",
    "nz$": "NZD",
    "hk$": "HKD",
    "s$": "SGD",
    "euro": "EUR",
    "euros": "EUR",
    "dollar": "USD",
    "dollars": "USD",
    "pound": "GBP",
    "pounds": "GBP",
}

RATE_EXAMPLE = "60 EUR, €60 or 45.50 USD"


def _clean(text: str) -> str:
    return " ".join(text.split())


def is_clear(text: str) -> bool:
    """Did the trainer ask to clear the field (``-``)?"""
    return text.strip() in {CLEAR, "—", "–"}


# --- currency and rate -----------------------------------------------------------------------


def validate_currency(text: str) -> str:
    """An ISO 4217 code such as ``EUR`` (any case), or a clear error."""
    code = text.strip().upper()
    if code in CURRENCIES:
        return code
    symbol = CURRENCY_SYMBOLS.get(text.strip().lower())
    if symbol is not None:
        return symbol
    raise InvalidInput(
        f"“{text.strip()[:12]}” is not a currency I know. Use its three-letter ISO code.",
        example="EUR, USD or GBP",
    )


_AMOUNT = r"(?P<amount>\d{1,7}(?:[.,]\d{1,2})?)"
_RATE_FORMS = (
    re.compile(rf"(?P<cur>[^\d\s.,]{{1,7}})\s*{_AMOUNT}"),  # €60, EUR 60, A$ 80
    re.compile(rf"{_AMOUNT}\s*(?P<cur>[^\d\s.,]{{1,7}})"),  # 60 EUR, 60€
    re.compile(_AMOUNT),  # 60
)
_PER_HOUR = re.compile(r"\s*(?:/\s*h(?:ou)?r?|per\s+hour|an\s+hour|/\s*hour)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Rate:
    amount: Decimal
    currency: str


def parse_rate(text: str, *, default_currency: str | None = None) -> Rate | None:
    """Read an hourly rate: ``60 EUR``, ``€60``, ``60`` (in ``default_currency``), ``-``.

    Returns ``None`` when the trainer clears the rate.
    """
    if is_clear(text):
        return None
    cleaned = _PER_HOUR.sub("", _clean(text))
    for form in _RATE_FORMS:
        match = form.fullmatch(cleaned)
        if match is None:
            continue
        amount = _amount(match["amount"])
        raw_currency = match.groupdict().get("cur")
        if raw_currency:
            currency = validate_currency(raw_currency)
        elif default_currency:
            currency = default_currency
        else:
            raise InvalidInput(
                "Which currency is that in? Add the ISO code or symbol.", example=RATE_EXAMPLE
            )
        return Rate(amount, currency)
    raise InvalidInput("I couldn't read that as an hourly rate.", example=RATE_EXAMPLE)


def _amount(raw: str) -> Decimal:
    try:
        amount = Decimal(raw.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        raise InvalidInput("I couldn't read that amount.", example=RATE_EXAMPLE) from None
    if amount > RATE_MAX:
        raise InvalidInput(
            f"{amount} an hour is more than the {RATE_MAX} I accept.", example=RATE_EXAMPLE
        )
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_rate(amount: Decimal | None, currency: str | None) -> str:
    if amount is None:
        return "not set"
    shown = f"{amount:.2f}".removesuffix(".00")
    return f"{shown} {currency or ''}/hour".replace(" /", "/")


# --- text fields -------------------------------------------------------------------------------


def validate_bio(text: str) -> str | None:
    """The bio, trimmed; at most 2000 characters. ``-`` clears it."""
    if is_clear(text):
        return None
    bio = text.strip()
    if not bio:
        raise InvalidInput("The bio can't be empty. Send - to clear it.")
    if len(bio) > BIO_MAX:
        raise InvalidInput(
            f"That bio is {len(bio)} characters; the limit is {BIO_MAX}. Please shorten it.",
            example="Strength coach helping busy people get strong in 3 sessions a week.",
        )
    return bio


def parse_specializations(text: str) -> list[str]:
    """Comma-separated specializations (at most 15 of at most 60 characters). ``-`` clears."""
    if is_clear(text):
        return []
    example = "powerlifting, knee rehab, marathon prep"
    items: list[str] = []
    seen: set[str] = set()
    for raw in re.split(r"[,;\n]", text):
        item = _clean(raw)
        if not item:
            continue
        if len(item) > SPECIALIZATION_MAX_LEN:
            raise InvalidInput(
                f"“{item[:30]}…” is too long; keep each specialization to "
                f"{SPECIALIZATION_MAX_LEN} characters.",
                example=example,
            )
        if item.casefold() not in seen:
            seen.add(item.casefold())
            items.append(item)
    if not items:
        raise InvalidInput("Send your specializations separated by commas.", example=example)
    if len(items) > SPECIALIZATIONS_MAX:
        raise InvalidInput(
            f"That is {len(items)} specializations; list at most {SPECIALIZATIONS_MAX}.",
            example=example,
        )
    return items


def parse_tags(text: str) -> list[str]:
    """Comma-separated tags, lower-cased (at most 10 of at most 32 characters). ``-`` clears."""
    if is_clear(text):
        return []
    example = "kettlebells, online, beginners"
    tags: list[str] = []
    for raw in re.split(r"[,;\n]", text):
        tag = normalise_tag(raw)
        if not tag:
            continue
        if len(tag) > TAG_MAX_LEN:
            raise InvalidInput(
                f"The tag “{tag[:20]}…” is too long; keep each tag to {TAG_MAX_LEN} characters.",
                example=example,
            )
        if tag not in tags:
            tags.append(tag)
    if not tags:
        raise InvalidInput("Send your tags separated by commas.", example=example)
    if len(tags) > TAGS_MAX:
        raise InvalidInput(
            f"That is {len(tags)} tags; use at most {TAGS_MAX}.",
            example=example,
        )
    return tags


def normalise_tag(text: str) -> str:
    """One tag as stored and searched: lower case, single spaces, no leading ``#``."""
    return _clean(text).lstrip("#").strip().lower()


def _whole_number(text: str, what: str, low: int, high: int, example: str) -> int:
    cleaned = _clean(text).lower()
    cleaned = re.sub(r"\s*(?:years?|yrs?|y|clients?)$", "", cleaned)
    if not re.fullmatch(r"\d{1,4}", cleaned):
        raise InvalidInput(f"Please send the {what} as a whole number.", example=example)
    value = int(cleaned)
    if not low <= value <= high:
        raise InvalidInput(
            f"The {what} must be between {low} and {high}; {value} is out of range.",
            example=example,
        )
    return value


def parse_experience(text: str) -> int | None:
    """Years of experience, 0..70. ``-`` clears."""
    if is_clear(text):
        return None
    return _whole_number(text, "years of experience", 0, EXPERIENCE_MAX, "8")


def parse_client_limit(text: str) -> int:
    """How many clients the trainer takes at most, 1..500."""
    return _whole_number(text, "client limit", CLIENT_LIMIT_MIN, CLIENT_LIMIT_MAX, "25")


def validate_certificate_text(text: str, what: str, example: str) -> str:
    value = _clean(text)
    if not value:
        raise InvalidInput(f"Please send the {what}.", example=example)
    if len(value) > CERT_TEXT_MAX:
        raise InvalidInput(
            f"The {what} is {len(value)} characters; the limit is {CERT_TEXT_MAX}.",
            example=example,
        )
    return value


def validate_link(text: str) -> str:
    """A verification link: an http(s) URL with a host."""
    link = text.strip()
    example = "https://www.nasm.org/verify/123456"
    if len(link) > LINK_MAX:
        raise InvalidInput(f"That link is longer than {LINK_MAX} characters.", example=example)
    if " " in link:
        raise InvalidInput("A link can't contain spaces.", example=example)
    parts = urlsplit(link)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc or "." not in parts.netloc:
        raise InvalidInput("The link must start with http:// or https://.", example=example)
    return link


# --- certificates --------------------------------------------------------------------


class CertificateState(StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"


def is_valid(expiration_date: date | None, today: date) -> bool:
    """Seed 000 ``isValid``: valid until and including its expiry date (none: always valid)."""
    return expiration_date is None or today <= expiration_date


def expires_within(expiration_date: date | None, today: date, days: int = 30) -> bool:
    """Still valid, but expiring within ``days`` days from ``today``."""
    if expiration_date is None or not is_valid(expiration_date, today):
        return False
    return (expiration_date - today).days <= days


def certificate_state(expiration_date: date | None, today: date) -> tuple[CertificateState, int]:
    """The certificate's state and the days left until expiry (0 when none or expired)."""
    if not is_valid(expiration_date, today):
        return CertificateState.EXPIRED, 0
    if expiration_date is not None and expires_within(expiration_date, today, EXPIRY_WARNING_DAYS):
        return CertificateState.EXPIRING, (expiration_date - today).days
    return CertificateState.VALID, 0


def check_certificate_dates(obtained: date | None, expires: date | None, today: date) -> None:
    if obtained is not None and obtained > today:
        raise InvalidInput(
            "The date obtained can't be in the future.", example=today.replace(day=1).isoformat()
        )
    if obtained is not None and expires is not None and expires < obtained:
        raise InvalidInput(
            f"The expiry date can't be before the date obtained ({obtained.isoformat()}).",
            example=obtained.replace(year=min(obtained.year + 2, 9999)).isoformat(),
        )


# --- rating and capacity ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rating:
    average: Decimal | None
    count: int

    def __str__(self) -> str:
        return format_rating(self.average, self.count)


def rating_from_aggregate(average: object, count: int) -> Rating:
    """A rating from SQL ``AVG`` and ``COUNT``: two decimals, ``None`` without ratings."""
    if not count or average is None:
        return Rating(None, 0)
    value = Decimal(str(average)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Rating(min(max(value, Decimal(1)), Decimal(5)), count)


def compute_rating(ratings: Iterable[int | None]) -> Rating:
    """The average of the 1–5 ratings clients gave sessions (``None`` ones are ignored)."""
    given = [r for r in ratings if r is not None]
    for r in given:
        if not 1 <= r <= 5:
            raise ValueError(f"a session rating must be 1..5, got {r}")
    if not given:
        return Rating(None, 0)
    return rating_from_aggregate(Decimal(sum(given)) / len(given), len(given))


def format_rating(average: Decimal | None, count: int) -> str:
    """``4.7 ★ from 12 ratings``, or ``No ratings yet``."""
    if average is None or count == 0:
        return "No ratings yet"
    shown = average.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{shown} ★ from {count} rating{'' if count == 1 else 's'}"


def can_accept_new_clients(accepts: bool, active_count: int, limit: int) -> bool:
    """Seed 000 ``canAcceptNewClients``: accepting, and below the client limit."""
    return accepts and active_count < limit
