"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import DateTime, Dialect, Enum, Numeric
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no time zone type, so values are normalised to UTC on the way in and marked as
    UTC on the way out. Naive datetimes are refused: every time in the code base is aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Dec(TypeDecorator[Decimal]):
    """A fixed-scale decimal stored as NUMERIC, read back as a quantised ``Decimal``.

    SQLite keeps NUMERIC as floating point; quantising on read to the column's scale gives the
    same Decimal on both backends, and numeric ordering and aggregates still work in SQL.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int, asdecimal: bool = False) -> None:
        # ``asdecimal`` is accepted so migrations can render the type; values always come
        # back as Decimal through process_result_value.
        super().__init__(precision=precision, scale=scale, asdecimal=False)
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def process_bind_param(self, value: Decimal | float | None, dialect: Dialect) -> float | None:
        if value is None:
            return None
        return float(Decimal(value).quantize(self._quantum))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(self._quantum)


E = TypeVar("E", bound=StrEnum)


def enum_column(enum_cls: type[E], name: str) -> Enum:
    """A portable enum: VARCHAR plus a CHECK constraint, storing the enum's values."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_cls),
        validate_strings=True,
        values_callable=lambda cls: [member.value for member in cls],
    )
