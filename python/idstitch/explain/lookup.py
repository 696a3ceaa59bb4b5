"""An identifier typed by a user (``type:value``) found as the tables publish it.

The value is normalised by the helper's normaliser (:mod:`idstitch.privacy.identifiers`,
the models' rules computed by DuckDB), so ``email: Jane@Example.com`` finds
``jane@example.com``; a value the normaliser rejects is junk, with its reason. On an
encrypted build a hashed type is published as its keyed hash, matched here through the
index key.
"""

from __future__ import annotations

from dataclasses import dataclass

from idstitch.crypto import identifier_hash
from idstitch.explain.data import ExplainData
from idstitch.explain.graph import Node
from idstitch.privacy.errors import PrivacyError
from idstitch.privacy.identifiers import DEFAULT_PHONE_COUNTRY, candidates, parse_identifier


@dataclass(frozen=True)
class Found:
    """An identifier of the tables: ``node`` as published, ``label`` as shown."""

    spec: str
    node: Node
    label: str
    person_id: str


@dataclass(frozen=True)
class Junk:
    """A value that is no identifier, and why (the normaliser's reason)."""

    spec: str
    reason: str


@dataclass(frozen=True)
class Unseen:
    """A valid identifier that no event carried (not in user_identifiers)."""

    spec: str
    label: str


Resolution = Found | Junk | Unseen

# how parse_identifier's messages about the spelling, not the value, begin
_SPELLING_ERRORS = ("identifier must be written", "unknown identifier type")


def label(node: Node) -> str:
    return f"{node[0]}:{node[1]}"


def published_nodes(data: ExplainData, node: Node) -> list[Node]:
    """How ``node`` (a plain value) may be published: as it is, or as its keyed hash."""
    found = [node]
    if data.index_key is not None:
        found.append((node[0], identifier_hash(data.index_key, node[0], node[1])))
    return found


def person_of(data: ExplainData, node: Node) -> str | None:
    frame = data.identifiers
    hit = frame[(frame["identifier_type"] == node[0]) & (frame["identifier_value"] == node[1])]
    persons = hit["person_id"].dropna().unique().tolist()
    if len(persons) > 1:
        raise PrivacyError(
            f"{node[0]} identifier belongs to {len(persons)} persons; user_identifiers is not "
            "unique on (identifier_type, identifier_value)"
        )
    return str(persons[0]) if persons else None


def resolve(
    data: ExplainData, spec: str, default_phone_country: str = DEFAULT_PHONE_COUNTRY
) -> Resolution:
    """Find ``spec`` (``type:value``) in the tables."""
    try:
        parsed = parse_identifier(spec, default_phone_country)
    except PrivacyError as exc:
        if str(exc).startswith(_SPELLING_ERRORS):  # not type:value, or no identifier type
            raise
        return Junk(spec, str(exc))
    first_label = label((parsed.type, parsed.value))
    for candidate in candidates(parsed):
        plain = (candidate.type, candidate.value)
        for node in published_nodes(data, plain):
            person = person_of(data, node)
            if person is not None:
                return Found(spec, node, label(plain), person)
    return Unseen(spec, first_label)
