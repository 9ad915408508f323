"""Pure profile rules: rates, currencies, text limits, certificates, rating, capacity."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.domain import profile_rules as rules
from coaching.domain.profile_rules import CertificateState, Rate
from coaching.errors import InvalidInput

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "default", "expected"),
    [
        ("60 EUR", None, Rate(Decimal("60.00"), "EUR")),
        ("€60", None, Rate(Decimal("60.00"), "EUR")),
        ("60€", None, Rate(Decimal("60.00"), "EUR")),
        ("60", "GBP", Rate(Decimal("60.00"), "GBP")),
        ("45.50 usd", None, Rate(Decimal("45.50"), "USD")),
        ("45,5 chf", None, Rate(Decimal("45.50"), "CHF")),
        ("EUR 70/hour", None, Rate(Decimal("70.00"), "EUR")),
        ("£55 per hour", None, Rate(Decimal("55.00"), "GBP")),
        ("A$ 80", None, Rate(Decimal("80.00"), "AUD")),
        ("60 euros", None, Rate(Decimal("60.00"), "EUR")),
        ("-", "EUR", None),
    ],
)
def test_parse_rate(text: str, default: str | None, expected: Rate | None) -> None:
    assert rules.parse_rate(text, default_currency=default) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("60", "Which currency"),
        ("60 XYZ", "not a currency I know"),
        ("sixty", "couldn't read that as an hourly rate"),
        ("200000 EUR", "more than the 100000"),
        ("", "couldn't read"),
    ],
)
def test_parse_rate_refuses(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.parse_rate(text)
    assert message in str(caught.value)
    assert "For example" in str(caught.value)


def test_currency_set_is_current_iso_4217() -> None:
    assert {"EUR", "USD", "GBP", "JPY", "CHF", "INR", "ZWG", "XCG"} <= rules.CURRENCIES
    assert not {"DEM", "HRK", "XAU", "XXX", "ZWL", "BGN"} & rules.CURRENCIES
    assert all(len(code) == 3 and code.isupper() for code in rules.CURRENCIES)
    assert rules.validate_currency("eur") == "EUR"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8", 8), ("0", 0), ("70", 70), ("12 years", 12), ("-", None)],
)
def test_experience(text: str, expected: int | None) -> None:
    assert rules.parse_experience(text) == expected


@pytest.mark.parametrize("text", ["71", "-1", "eight", "3.5", ""])
def test_experience_out_of_range(text: str) -> None:
    with pytest.raises(InvalidInput):
        rules.parse_experience(text)


@pytest.mark.parametrize(("text", "ok"), [("1", True), ("500", True), ("0", False), ("501", False)])
def test_client_limit(text: str, ok: bool) -> None:
    if ok:
        assert rules.parse_client_limit(text) == int(text)
    else:
        with pytest.raises(InvalidInput, match="between 1 and 500"):
            rules.parse_client_limit(text)


def test_bio_limit_and_clear() -> None:
    assert rules.validate_bio("  hello  ") == "hello"
    assert rules.validate_bio("x" * 2000) == "x" * 2000
    assert rules.validate_bio("-") is None
    with pytest.raises(InvalidInput, match="2001 characters"):
        rules.validate_bio("x" * 2001)


def test_specializations_and_tags() -> None:
    assert rules.parse_specializations("Powerlifting,  knee rehab; powerlifting") == [
        "Powerlifting",
        "knee rehab",
    ]
    assert rules.parse_specializations("-") == []
    assert rules.parse_tags("#Kettlebells, ONLINE ,  over  50") == [
        "kettlebells",
        "online",
        "over 50",
    ]
    with pytest.raises(InvalidInput, match="at most 10"):
        rules.parse_tags(",".join(f"t{i}" for i in range(11)))
    with pytest.raises(InvalidInput, match="32 characters"):
        rules.parse_tags("x" * 33)
    with pytest.raises(InvalidInput):
        rules.parse_tags(" , ")


@pytest.mark.parametrize(
    ("expiry", "state", "days"),
    [
        (None, CertificateState.VALID, 0),
        (date(2027, 1, 1), CertificateState.VALID, 0),
        (date(2026, 12, 23), CertificateState.EXPIRING, 30),
        (date(2026, 11, 23), CertificateState.EXPIRING, 0),
        (date(2026, 11, 22), CertificateState.EXPIRED, 0),
    ],
)
def test_certificate_state(expiry: date | None, state: CertificateState, days: int) -> None:
    assert rules.certificate_state(expiry, TODAY) == (state, days)
    assert rules.is_valid(expiry, TODAY) == (state is not CertificateState.EXPIRED)
    assert rules.expires_within(expiry, TODAY, 30) == (state is CertificateState.EXPIRING)


def test_certificate_dates_and_links() -> None:
    rules.check_certificate_dates(date(2020, 1, 1), date(2025, 1, 1), TODAY)
    with pytest.raises(InvalidInput, match="future"):
        rules.check_certificate_dates(date(2027, 1, 1), None, TODAY)
    with pytest.raises(InvalidInput, match="before the date obtained"):
        rules.check_certificate_dates(date(2020, 1, 1), date(2019, 1, 1), TODAY)
    assert rules.validate_link("https://nasm.org/v/1") == "https://nasm.org/v/1"
    for bad in ("ftp://nasm.org", "nasm.org", "https://localhost", "https://a b.com"):
        with pytest.raises(InvalidInput):
            rules.validate_link(bad)


def test_rating() -> None:
    assert str(rules.compute_rating([])) == "No ratings yet"
    assert str(rules.compute_rating([5, 4, None, 5])) == "4.7 ★ from 3 ratings"
    assert str(rules.compute_rating([5])) == "5.0 ★ from 1 rating"
    assert rules.compute_rating([4, 5]).average == Decimal("4.50")
    assert rules.rating_from_aggregate(None, 0).average is None
    with pytest.raises(ValueError, match=r"1\.\.5"):
        rules.compute_rating([6])


@given(st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=200))
def test_rating_is_the_bounded_average(ratings: list[int]) -> None:
    rating = rules.compute_rating(ratings)
    assert rating.count == len(ratings)
    assert rating.average is not None
    assert Decimal(1) <= rating.average <= Decimal(5)
    assert abs(rating.average - Decimal(sum(ratings)) / len(ratings)) <= Decimal("0.005")


@pytest.mark.parametrize(
    ("accepts", "count", "limit", "expected"),
    [(True, 0, 1, True), (True, 29, 30, True), (True, 30, 30, False), (False, 0, 30, False)],
)
def test_can_accept_new_clients(accepts: bool, count: int, limit: int, expected: bool) -> None:
    assert rules.can_accept_new_clients(accepts, count, limit) is expected


def test_builtin_categories() -> None:
    slugs = [slug for slug, _ in rules.CATEGORIES]
    assert len(slugs) == len(set(slugs)) == 10
    assert all(len(f"pf:pri:{slug}") <= 64 for slug in slugs)
