"""The error of a recipient's value that is not what its column needs."""

from __future__ import annotations


class InvalidValue(ValueError):
    """A value that is not what its column needs; the message is shown to people as is."""
