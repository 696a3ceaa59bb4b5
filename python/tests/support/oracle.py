"""Independent pure-Python reference implementation of idstitch's identity resolution.

This is the oracle the dbt outputs are compared against. It re-implements the rules of
the data contract (docs/contract.md) from scratch; it
shares no SQL, macro or helper with the package. Connected components use a union-find
with path compression and union by size.

Input: ``{"identifies": rows, "tracks": rows, "pages": rows}`` where a row is a mapping of
raw column name (snake_case or camelCase) to value; a missing key means null. ``timestamp``
and ``received_at`` are ``datetime`` objects (naive UTC, or aware), ISO-8601 text or epoch
numbers (see ``read_timestamp``), everything else ``str`` or None.

Rules (the contract):

* Timestamps are read as oracle_text.py says; a row whose ``timestamp`` is given but
  unreadable is dropped (counted), an unreadable ``received_at`` is null.
* Deduplicate each table by ``id`` (rows with a null or blank ``id`` are dropped): keep the
  row with the earliest ``received_at``, then earliest ``timestamp``, then smallest
  ``user_id``, then smallest ``anonymous_id``; nulls sort last. An event is (table, id).
* Trimming removes white space, zero-width characters and direction marks at both ends
  (``TRIMMED``); every identifier value is then put in Unicode NFC.
* Identifiers of an event: ``anonymous_id`` (trimmed), ``user_id`` (trimmed; ``email`` if
  it is email-shaped, lower-cased, else ``external_id``); on identifies only, the traits
  ``external_id``, ``email`` (lower-cased, no ``mailto:``, no trailing dots, email-shaped),
  ``phone`` (E.164 as the phonenumbers library gives it, read with the default country
  ``DEFAULT_PHONE_COUNTRY``: oracle_phone.py) and every
  other ``*_id`` column (type = snake_case column name) except ``id``, ``anonymous_id``,
  ``user_id``, ``external_id`` and ``context_*`` / ``company_*`` columns.
* camelCase column names mean their snake_case name; snake_case wins when non-null.
* Junk (no identifier): empty after trimming, blocklisted (case-insensitive), or made only
  of ``0`` and ``-``; checked on the trimmed raw value and on the normalised value.
* Hubs (oracle_hubs.py) are taken out of every event; all other identifiers of one event
  are linked; persons are the connected components.
* Canonical identifier: highest precedence type (external_id > email > phone > other
  ``*_id`` types alphabetically > anonymous_id), then earliest first_seen_at, then the
  smallest value.
* person_id = md5 hex of ``type:value`` of the anchor (the identifier whose first event
  comes first in event order), and the ``person_merges`` rows: oracle_replay.py replays
  the events in event order.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from oracle_hubs import HUB_MAX_PERSONS, HubRow, find_hubs
from oracle_phone import DEFAULT_PHONE_COUNTRY, phone_e164
from oracle_replay import EventKey, Identifier, MergeRow, UnionFind, precedence_key, replay
from oracle_replay import person_id_of as person_id_of  # re-exported for the tests
from oracle_text import read_row_times, trim

TABLES = ("identifies", "tracks", "pages")

BLOCKLIST = frozenset(["null", "none", "undefined", "nan", "n/a", "unknown", "anonymous", "-1"])
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NON_IDENTIFIER_PREFIXES = ("context_", "company_")
# *_id columns that are not "other" identifier types (handled separately or not identifiers).
RESERVED_ID_COLUMNS = frozenset(["id", "anonymous_id", "user_id", "external_id"])


# --------------------------------------------------------------------------- names


def snake_case(name: str) -> str:
    """``stripeCustomerId`` -> ``stripe_customer_id``; ``stripeCustomerID`` -> same.

    An underscore goes before an upper-case letter that follows a lower-case letter or a
    digit, and before the last capital of a run of capitals followed by a lower-case letter.
    """
    out: list[str] = []
    n = len(name)
    for i, ch in enumerate(name):
        if ch.isupper() and i > 0:
            prev = name[i - 1]
            nxt = name[i + 1] if i + 1 < n else ""
            if prev.islower() or prev.isdigit() or (prev.isupper() and nxt.islower()):
                out.append("_")
        out.append(ch.lower())
    return "".join(out)


def snake_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Merge a raw row's columns under their snake_case names: coalesce(snake, camel, ...)."""
    exact: dict[str, Any] = {}
    camel: dict[str, list[Any]] = defaultdict(list)
    for name, value in row.items():
        snake = snake_case(name)
        if name == snake:
            exact[snake] = value
        else:
            camel[snake].append(value)
    merged: dict[str, Any] = {}
    for snake in set(exact) | set(camel):
        candidates = [exact.get(snake), *camel.get(snake, [])]
        merged[snake] = next((v for v in candidates if v is not None), None)
    return merged


# --------------------------------------------------------------------------- values


def is_junk(value: str) -> bool:
    """True when a (trimmed) value is no identifier."""
    if value == "":
        return True
    if value.lower() in BLOCKLIST:
        return True
    return all(ch in "0-" for ch in value)


def normalise(identifier_type: str, raw: Any) -> str | None:
    """The normalised value of a raw value of a type, or None if it is no identifier."""
    if raw is None:
        return None
    trimmed = trim(str(raw))
    if is_junk(trimmed):
        return None
    cleaned = unicodedata.normalize("NFC", trimmed)
    if identifier_type == "email":
        value = re.sub(r"[.]+$", "", cleaned.lower().removeprefix("mailto:"))
        if value and not EMAIL_SHAPE.match(value):
            return None
    elif identifier_type == "phone":
        phone = phone_e164(cleaned, DEFAULT_PHONE_COUNTRY)
        if phone is None:
            return None
        value = phone
    else:
        value = cleaned
    if is_junk(value):
        return None
    return value


def user_id_identifier(raw: Any) -> Identifier | None:
    if raw is None:
        return None
    trimmed = trim(str(raw))
    kind = "email" if EMAIL_SHAPE.match(trimmed) else "external_id"
    value = normalise(kind, trimmed)
    return None if value is None else (kind, value)


def is_other_id_column(snake: str) -> bool:
    return (
        snake.endswith("_id")
        and len(snake) > 3
        and snake not in RESERVED_ID_COLUMNS
        and not snake.startswith(NON_IDENTIFIER_PREFIXES)
    )


def event_identifiers(table: str, row: Mapping[str, Any]) -> frozenset[Identifier]:
    """The identifiers one (deduplicated) event carries."""
    cols = snake_row(row)
    found: set[Identifier] = set()
    anon = normalise("anonymous_id", cols.get("anonymous_id"))
    if anon is not None:
        found.add(("anonymous_id", anon))
    uid = user_id_identifier(cols.get("user_id"))
    if uid is not None:
        found.add(uid)
    if table == "identifies":
        for snake, raw in cols.items():
            if snake not in ("external_id", "email", "phone") and not is_other_id_column(snake):
                continue
            value = normalise(snake, raw)
            if value is not None:
                found.add((snake, value))
    return frozenset(found)


# --------------------------------------------------------------------------- dedup


def _nulls_last(value: Any) -> tuple[int, Any]:
    return (1, "") if value is None else (0, value)


def deduplicate(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """{id: kept row (snake-merged)} for one table."""
    kept: dict[str, dict[str, Any]] = {}
    keys: dict[str, tuple[Any, ...]] = {}
    for row in rows:
        cols = snake_row(row)
        event_id = cols.get("id")
        if event_id is None or trim(str(event_id)) == "":
            continue
        if not read_row_times(cols):
            continue
        key = (
            _nulls_last(cols.get("received_at")),
            _nulls_last(cols.get("timestamp")),
            _nulls_last(cols.get("user_id")),
            _nulls_last(cols.get("anonymous_id")),
        )
        if event_id not in keys or key < keys[event_id]:
            keys[event_id] = key
            kept[event_id] = cols
    return kept


# --------------------------------------------------------------------------- resolution


def _min(values: Iterable[datetime | None]) -> datetime | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _max(values: Iterable[datetime | None]) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


@dataclass(frozen=True)
class IdentifierRow:
    person_id: str
    identifier_type: str
    identifier_value: str
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    event_count: int


@dataclass(frozen=True)
class UserRow:
    person_id: str
    canonical_id_type: str
    canonical_id_value: str
    external_id: str | None
    email: str | None
    phone: str | None
    anonymous_id_count: int
    identifier_count: int
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    identify_count: int
    track_count: int
    page_count: int


USER_IDENTIFIER_COLUMNS = tuple(IdentifierRow.__dataclass_fields__)
USER_COLUMNS = tuple(UserRow.__dataclass_fields__)


@dataclass
class Resolution:
    user_identifiers: dict[Identifier, IdentifierRow]
    users: dict[str, UserRow]
    # every deduplicated event (with or without identifiers) -> its identifiers
    event_identifiers: dict[EventKey, frozenset[Identifier]]
    # event -> person_id (None when the event has no identifier)
    event_person: dict[EventKey, str | None]
    events: dict[EventKey, dict[str, Any]] = field(default_factory=dict)
    # retired_person_id -> its person_merges row (oracle_replay.py)
    merges: dict[str, MergeRow] = field(default_factory=dict)
    # quarantined hub -> its identity_conflicts row (oracle_hubs.py)
    hubs: dict[Identifier, HubRow] = field(default_factory=dict)

    def partition(self) -> set[frozenset[Identifier]]:
        groups: dict[str, set[Identifier]] = defaultdict(set)
        for key, row in self.user_identifiers.items():
            groups[row.person_id].add(key)
        return {frozenset(g) for g in groups.values()}


def components(event_sets: Iterable[frozenset[Identifier]]) -> list[set[Identifier]]:
    """Connected components of the graph where each set's members are linked."""
    uf = UnionFind()
    index: dict[Identifier, int] = {}
    for ids in event_sets:
        first: int | None = None
        for ident in sorted(ids):
            if ident not in index:
                index[ident] = uf.add()
            if first is None:
                first = index[ident]
            else:
                uf.union(first, index[ident])
    groups: dict[int, set[Identifier]] = defaultdict(set)
    for ident, i in index.items():
        groups[uf.find(i)].add(ident)
    return list(groups.values())


def resolve(
    tables: Mapping[str, Iterable[Mapping[str, Any]]],
    hub_max_persons: int | None = HUB_MAX_PERSONS,
) -> Resolution:
    """The outputs for these raw rows; ``hub_max_persons`` as the var of that name
    (None: no quarantine, plain connected components)."""
    events: dict[EventKey, dict[str, Any]] = {}
    event_ids: dict[EventKey, frozenset[Identifier]] = {}
    for table in TABLES:
        for event_id, cols in deduplicate(tables.get(table, [])).items():
            key = (table, event_id)
            events[key] = cols
            event_ids[key] = event_identifiers(table, cols)
    hubs = find_hubs(event_ids, events, hub_max_persons)
    if hubs:
        event_ids = {key: ids - hubs.keys() for key, ids in event_ids.items()}

    seen_at: dict[Identifier, list[datetime | None]] = defaultdict(list)
    for key, ids in event_ids.items():
        for ident in ids:
            seen_at[ident].append(events[key].get("timestamp"))

    stats = {ident: (_min(times), _max(times), len(times)) for ident, times in seen_at.items()}

    replayed = replay(event_ids, {key: cols.get("received_at") for key, cols in events.items()})
    user_identifiers: dict[Identifier, IdentifierRow] = {}
    users: dict[str, UserRow] = {}
    person_of: dict[Identifier, str] = {}
    comps = components(event_ids.values())
    canonical_of: dict[str, Identifier] = {}
    for comp in comps:
        canonical = min(
            comp,
            key=lambda ident: (
                precedence_key(ident[0]),
                _nulls_last(stats[ident][0]),
                ident[1].encode("utf-8"),
            ),
        )
        pid = replayed.person_of[canonical]
        assert {replayed.person_of[i] for i in comp} == {pid}, "replay and components disagree"
        canonical_of[pid] = canonical
        for ident in comp:
            first, last, count = stats[ident]
            user_identifiers[ident] = IdentifierRow(pid, ident[0], ident[1], first, last, count)
            person_of[ident] = pid

    event_person: dict[EventKey, str | None] = {}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TABLES, 0))
    for key, ids in event_ids.items():
        if not ids:
            event_person[key] = None
            continue
        pid = person_of[next(iter(ids))]
        event_person[key] = pid
        counts[pid][key[0]] += 1

    for comp in comps:
        if all(ident[0] == "anonymous_id" for ident in comp):
            continue
        rows = [user_identifiers[ident] for ident in comp]
        pid = rows[0].person_id
        canon = user_identifiers[canonical_of[pid]]

        def latest(kind: str, rows: list[IdentifierRow] = rows) -> str | None:
            """The value of a type with the latest last_seen_at; ties: the smallest value."""
            of_kind = [r for r in rows if r.identifier_type == kind]
            if not of_kind:
                return None
            newest = _max(r.last_seen_at for r in of_kind)
            tied = [r.identifier_value for r in of_kind if r.last_seen_at == newest]
            return min(tied, key=lambda v: v.encode("utf-8"))

        users[pid] = UserRow(
            person_id=pid,
            canonical_id_type=canon.identifier_type,
            canonical_id_value=canon.identifier_value,
            external_id=latest("external_id"),
            email=latest("email"),
            phone=latest("phone"),
            anonymous_id_count=sum(1 for r in rows if r.identifier_type == "anonymous_id"),
            identifier_count=len(rows),
            first_seen_at=_min(r.first_seen_at for r in rows),
            last_seen_at=_max(r.last_seen_at for r in rows),
            identify_count=counts[pid]["identifies"],
            track_count=counts[pid]["tracks"],
            page_count=counts[pid]["pages"],
        )

    return Resolution(
        user_identifiers, users, event_ids, event_person, events, replayed.merges, hubs
    )
