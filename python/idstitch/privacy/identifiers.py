"""Identifiers as the models type and normalise them, and the person id they give.

A value is normalised by DuckDB itself, with the functions the DuckDB variants of the
models' macros use (macros/identifiers/normalise_identifier.sql): ``trim`` of the same
characters, ``nfc_normalize``, ``lower`` and ``regexp_replace``. Python's own ``lower``
differs from DuckDB's (Turkish dotted capital I, Greek final sigma), so a value
normalised in Python would not find what the models stored.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import duckdb

from idstitch.crypto import identifier_hash
from idstitch.privacy.errors import PrivacyError

# The characters trimmed off both ends of a value: macros/cross_db/trim_whitespace.sql
# (_trimmed_code_points); tests/integration/test_forget_spellings.py holds the two lists equal.
TRIMMED_CODE_POINTS: tuple[int, ...] = (
    *(32, 9, 10, 11, 12, 13, 133, 160, 5760, 8232, 8233, 8239, 8287, 12288),
    *(8203, 8204, 8205, 8288, 65279, 1564, 8206, 8207),
    *range(8192, 8203),
    *range(8234, 8239),
    *range(8294, 8298),
)
_TRIMMED = "".join(chr(point) for point in TRIMMED_CODE_POINTS)
_PHONE_STRIP = "[[:space:]+.()-]"  # the pattern normalise_identifier gives regexp_remove
# One statement for every type, as the macro writes it: trim, NFC, then by type.
_NORMALISE_SQL = (
    "select case $type when 'email' then lower(nfc_normalize(trim($value, $trimmed))) "
    "when 'phone' then regexp_replace(nfc_normalize(trim($value, $trimmed)), $phone, '', 'g') "
    "else nfc_normalize(trim($value, $trimmed)) end"
)
_EMAIL_RE = re.compile(r"^[^@ \t\n\v\f\r]+@[^@ \t\n\v\f\r]+[.][^@ \t\n\v\f\r]+$")
_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Identifier:
    """A typed identifier with its value normalised like the models normalise it."""

    type: str
    value: str

    def __str__(self) -> str:
        return f"{self.type}:<{len(self.value)} characters>"


def _normalised_by_duckdb(identifier_type: str, value: str) -> str:
    kind = identifier_type if identifier_type in ("email", "phone") else "other"
    with duckdb.connect() as con:  # in memory: the value never reaches a warehouse
        row = con.execute(
            _NORMALISE_SQL,
            {"type": kind, "value": value, "trimmed": _TRIMMED, "phone": _PHONE_STRIP},
        ).fetchone()
    return str(row[0]) if row and row[0] is not None else ""


def normalise_identifier(identifier_type: str, value: str) -> str:
    """The models' normalisation, computed by DuckDB: every value trimmed of white space
    and invisible characters and put in NFC; email lower-cased (DuckDB's ``lower``),
    phone without spaces, ``+``, ``-``, ``.`` and parentheses (7+ digits)."""
    normalised = _normalised_by_duckdb(identifier_type, value)
    if identifier_type == "phone" and not re.fullmatch(r"[0-9]{7,}", normalised):
        raise PrivacyError("a phone identifier needs at least 7 digits and nothing else")
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
        found.append(Identifier("email", normalise_identifier("email", identifier.value)))
    return found


def person_hash(identifier_type: str, value: str, index_key: bytes | None = None) -> str:
    """The models' person id of a person whose anchor this identifier is: the md5
    of ``"type:value"``, or with ``index_key`` (an encrypted build) its keyed hash,
    ``h1:`` + HMAC-SHA256 under the index key (macros/privacy/keyed_ids.sql)."""
    if index_key is not None:
        return identifier_hash(index_key, identifier_type, value)
    return hashlib.md5(f"{identifier_type}:{value}".encode()).hexdigest()
