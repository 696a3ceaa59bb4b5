"""Identifiers as the models type and normalise them, and the person id they give.

A value is normalised by DuckDB itself, with the functions the DuckDB variants of the
models' macros use (macros/identifiers/normalise_identifier.sql): ``trim`` of the same
characters, ``nfc_normalize``, ``lower`` and ``regexp_replace``. Python's own ``lower``
differs from DuckDB's (Turkish dotted capital I, Greek final sigma), so a value
normalised in Python would not find what the models stored. Phones go through the
substitutions of macros/identifiers/phone_e164.sql, step for step, with the same
regular expressions and the same metadata (phone_countries.py, rendered with the macro's
phone_countries.sql by scripts/render_phone_countries.py);
tests/integration/test_phone_agreement.py holds the helper and the models to one result
on a corpus of phones.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import duckdb

from idstitch.crypto import identifier_hash
from idstitch.privacy.errors import PrivacyError
from idstitch.privacy.phone_countries import INTERNATIONAL_PATTERNS, PHONE_REGIONS, PhoneRegion

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
# The default of var idstitch_default_phone_country (dbt_project.yml).
DEFAULT_PHONE_COUNTRY = "US"
_EMAIL_STRIP = "^mailto:|[.]+$"  # the pattern normalise_identifier gives regexp_remove
_CLEANED = "nfc_normalize(trim(value, $trimmed))"
_EMAIL_RE = re.compile(r"^[^@ \t\n\v\f\r]+@[^@ \t\n\v\f\r]+[.][^@ \t\n\v\f\r]+$")
_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _substitute(sql: str, pattern: str, replacement: str) -> str:
    """DuckDB's default__regexp_substitute (and regexp_remove when replacement is '')."""
    return f"regexp_replace({sql}, {_literal(pattern)}, {_literal(replacement)}, 'g')"


def phone_region(country: str) -> PhoneRegion:
    """The numbering metadata of a default phone country (ISO 3166 alpha-2, any case)."""
    code = country.strip().upper()
    if code not in PHONE_REGIONS:
        raise PrivacyError(
            f"unknown default phone country {country!r}: expected an ISO 3166 alpha-2 "
            "region code with a telephone numbering plan, such as US or GB"
        )
    return PHONE_REGIONS[code]


def phone_e164_sql(cleaned_sql: str, country: str) -> str:
    """DuckDB SQL of macros/identifiers/phone_e164.sql's phone_e164 for a default country:
    the same substitutions in the same order (see that macro for what each one does)."""
    code, trunk, idd_prefix, lengths, longest, lengths_pattern = phone_region(country)
    sql = _substitute(cleaned_sql, "[ \t\n\v\f\r.()/-]", "")
    idd = "00" if idd_prefix in ("", "00") else f"{idd_prefix}|00"
    sql = _substitute(sql, f"^[+]?(?:{idd})([1-9])", "+\\1")
    sql = _substitute(sql, f"^{code}([0-9]{{{longest + 1 - len(code)},}})$", ".\\1")
    if trunk:
        sql = _substitute(sql, f"^[.]{trunk}", ".")
    sql = _substitute(sql, "^[.]", f"+{code}")
    if trunk and lengths:
        sql = _substitute(sql, f"^{trunk}({lengths_pattern})$", f"-{code}\\1")
    sql = _substitute(sql, "^([0-9])", f"-{code}\\1")
    patterns = INTERNATIONAL_PATTERNS
    sql = (
        f"case when regexp_full_match({sql}, {_literal(patterns['strip'])}) then "
        f"{_substitute(sql, patterns['trunk'], patterns['trunk_replacement'])} else {sql} end"
    )
    return _substitute(sql, "^-", "+")


def _normalise_sql(kind: str, country: str) -> str:
    """The expression normalise_identifier writes (of `value`): trim, NFC, then by type."""
    if kind == "email":
        return _substitute(f"lower({_CLEANED})", _EMAIL_STRIP, "")
    if kind == "phone":
        return phone_e164_sql(_CLEANED, country)
    return _CLEANED


@dataclass(frozen=True)
class Identifier:
    """A typed identifier with its value normalised like the models normalise it."""

    type: str
    value: str

    def __str__(self) -> str:
        return f"{self.type}:<{len(self.value)} characters>"


def normalised_values(
    identifier_type: str, values: list[str], default_phone_country: str = DEFAULT_PHONE_COUNTRY
) -> list[str]:
    """The normalise_identifier of each value, computed by DuckDB, before any rejection
    (a phone that is no phone number comes back as a text that is not E.164)."""
    kind = identifier_type if identifier_type in ("email", "phone") else "other"
    sql = f"select list_transform($values, value -> {_normalise_sql(kind, default_phone_country)})"
    with duckdb.connect() as con:  # in memory: the values never reach a warehouse
        row = con.execute(sql, {"values": values, "trimmed": _TRIMMED}).fetchone()
    return [str(found) if found is not None else "" for found in (row[0] if row else [])]


def normalise_identifier(
    identifier_type: str, value: str, default_phone_country: str = DEFAULT_PHONE_COUNTRY
) -> str:
    """The models' normalisation, computed by DuckDB: every value trimmed of white space
    and invisible characters and put in NFC; email lower-cased (DuckDB's ``lower``),
    without a leading ``mailto:`` and trailing dots, and email-shaped; phone in E.164,
    a national number read in ``default_phone_country`` (the models' var
    idstitch_default_phone_country)."""
    normalised = normalised_values(identifier_type, [value], default_phone_country)[0]
    if not normalised:
        raise PrivacyError(f"the {identifier_type} identifier is empty")
    if identifier_type == "phone" and (
        not re.fullmatch(INTERNATIONAL_PATTERNS["valid"], normalised)
        or re.fullmatch(INTERNATIONAL_PATTERNS["zeros"], normalised)
    ):
        raise PrivacyError(
            "not a phone number: a phone is an international number (+ or 00, a calling "
            "code, a national number) or a national number of the default phone country"
        )
    if identifier_type == "email" and not _EMAIL_RE.match(normalised):
        raise PrivacyError("not an email address (expected name@domain.tld)")
    return normalised


def parse_identifier(spec: str, default_phone_country: str = DEFAULT_PHONE_COUNTRY) -> Identifier:
    """``"type:value"`` -> :class:`Identifier` (types: external_id, email, phone,
    anonymous_id, any ``<name>_id``); a national phone number is read in
    ``default_phone_country``."""
    kind, sep, value = spec.partition(":")
    kind = kind.strip().lower()
    if not sep or not kind:
        raise PrivacyError("identifier must be written type:value, e.g. email:jane@example.com")
    if not _TYPE_RE.match(kind) or not (kind in ("email", "phone") or kind.endswith("_id")):
        raise PrivacyError(
            f"unknown identifier type {kind!r} (expected external_id, email, phone, "
            "anonymous_id or another <name>_id)"
        )
    return Identifier(kind, normalise_identifier(kind, value, default_phone_country))


def as_identifier(
    identifier: str | Identifier, default_phone_country: str = DEFAULT_PHONE_COUNTRY
) -> Identifier:
    if isinstance(identifier, Identifier):
        return identifier
    return parse_identifier(identifier, default_phone_country)


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
