"""Errors a use case raises. The chat edge turns each into a clear reply."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A user-caused problem. ``str(error)`` is a sentence fit to show the user."""

    def __init__(self, message: str, *, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example

    def __str__(self) -> str:
        if self.example:
            return f"{self.message} For example: {self.example}"
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its arguments and attributes, whatever its class's __init__ asks for:
        # an error raised in a worker process (coaching.services.offload) comes back whole.
        return (_rebuilt, (type(self), self.args, self.__dict__))


def _rebuilt(cls: type[DomainError], args: tuple[Any, ...], state: dict[str, Any]) -> DomainError:
    error = Exception.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class NotFound(DomainError):
    """The thing asked for does not exist, or the acting user may not know it exists."""


class NotAllowed(DomainError):
    """The acting user may not do this."""


class InvalidInput(DomainError):
    """The input could not be understood or is out of range."""


class Conflict(DomainError):
    """The request clashes with the current state (already done, limit reached, ...)."""
