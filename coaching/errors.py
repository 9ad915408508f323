"""Errors a use case raises. The chat edge turns each into a clear reply."""

from __future__ import annotations


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


class NotFound(DomainError):
    """The thing asked for does not exist, or the acting user may not know it exists."""


class NotAllowed(DomainError):
    """The acting user may not do this."""


class InvalidInput(DomainError):
    """The input could not be understood or is out of range."""


class Conflict(DomainError):
    """The request clashes with the current state (already done, limit reached, ...)."""
