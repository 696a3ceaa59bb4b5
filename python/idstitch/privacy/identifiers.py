"""Identifiers as the models type and normalise them, and the person id they give."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from idstitch.crypto import identifier_hash
from idstitch.privacy.errors import PrivacyError

_TRIM = " \t\r\n"
_PHONE_STRIP = re.compile(r"[ \t\n\v\f\r+.()\-]")
_EMAIL_RE = re.compile(r"^[^@ \t\n\v\f\r]+@[^@ \t\n\v\f\r]+[.][^@ \t\n\v\f\r]+$")
_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Identifier:
    """A typed identifier with its value normalised like the models normalise it."""

    type: str
    value: str

    def __str__(self) -> str:
        return f"{self.type}:<{len(self.value)} characters>"


def normalise_identifier(identifier_type: str, value: str) -> str:
    """The models' normalisation: email trimmed and lower-cased, phone without
    spaces, ``+``, ``-``, ``.`` and parentheses (7+ digits), others trimmed."""
    trimmed = value.strip(_TRIM)
    if identifier_type == "email":
        normalised = trimmed.lower()
    elif identifier_type == "phone":
        normalised = _PHONE_STRIP.sub("", value)
        if not re.fullmatch(r"[0-9]{7,}", normalised):
            raise PrivacyError("a phone identifier needs at least 7 digits and nothing else")
    else:
        normalised = trimmed
    if not normalised:
        raise PrivacyError(f"the {identifier_type} identifier is empty")
    return normalised


def parse_identifier(spec: str) -> Identifier:
    """``"type:value"`` -> :class:`Identifier` (types: external_id, email, phone,
    anonymous_id, any ``<name>_id``)."""
    kind, sep, value = spec.partition(":")
    kind = kind.strip().lower()
    if not sep or not kind:
        raise PrivacyError("identifier must be written type:value, e.g. email:jane@example.com")
    if not _TYPE_RE.match(kind) or not (kind in ("email", "phone") or kind.endswith("_id")):
        raise PrivacyError(
            f"unknown identifier type {kind!r} (expected external_id, email, phone, "
            "anonymous_id or another <name>_id)"
        )
    return Identifier(kind, normalise_identifier(kind, value))


def as_identifier(identifier: str | Identifier) -> Identifier:
    return identifier if isinstance(identifier, Identifier) else parse_identifier(identifier)


def candidates(identifier: Identifier) -> list[Identifier]:
    """The identifier, and how the models may have typed it (a user_id that looks
    like an email is typed email)."""
    found = [identifier]
    if identifier.type == "external_id" and _EMAIL_RE.match(identifier.value):
        found.append(Identifier("email", identifier.value.lower()))
    return found


def person_hash(identifier_type: str, value: str, index_key: bytes | None = None) -> str:
    """The models' person id of a person whose canonical identifier this is: the md5
    of ``"type:value"``, or with ``index_key`` (an encrypted build) its keyed hash,
    ``h1:`` + HMAC-SHA256 under the index key (macros/privacy/keyed_ids.sql)."""
    if index_key is not None:
        return identifier_hash(index_key, identifier_type, value)
    return hashlib.md5(f"{identifier_type}:{value}".encode()).hexdigest()
