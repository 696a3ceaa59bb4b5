"""Errors of :mod:`idstitch.privacy`."""

from __future__ import annotations


class PrivacyError(Exception):
    """A request that cannot be carried out as asked (nothing was changed)."""


class UnknownIdentifierError(PrivacyError):
    """No person has the identifier given."""
