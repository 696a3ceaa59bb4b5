"""The hand-made data set of the cross-engine test: small raw tables full of what engines are
known to do differently (regular expression classes and a no-break space, text collation and
ties, nulls in orderings, padding with tabs and newlines, non-ASCII case, camelCase columns,
RudderStack's context_traits_* columns, screens and alias calls, duplicate message ids, a
long chain, timestamps as
ISO-8601 text with offsets in `pages` and as epoch seconds or milliseconds in `tracks`, some
of them unreadable, and merges of persons decided by the event order and byte order)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

RAW_TABLES = ("identifies", "tracks", "pages", "screens", "aliases")


def _event_fields(timestamp_type: pa.DataType) -> list[tuple[str, pa.DataType]]:
    """The columns every Segment message table has (``timestamp`` of the type given)."""
    return [
        ("id", pa.string()),
        ("anonymous_id", pa.string()),
        ("user_id", pa.string()),
        ("timestamp", timestamp_type),
        ("received_at", pa.timestamp("us")),
    ]


EVENT_FIELDS = _event_fields(pa.timestamp("us"))
# Reserved words, a space, a dash and both quote characters in column names: every engine
# reads them quoted with the quote character doubled, and writes them snake_cased.
HOSTILE_COLUMNS = (
    *("order", "group", "select", "from", "default", "end"),
    *("first name", "e-mail", 'x"y`z'),
)
IDENTIFIES_SCHEMA = pa.schema(
    [
        *EVENT_FIELDS,
        ("email", pa.string()),
        ("phone", pa.string()),
        ("external_id", pa.string()),
        ("first_name", pa.string()),
        ("last_name", pa.string()),
        ("name", pa.string()),
        ("firstName", pa.string()),
        ("title", pa.string()),
        ("age", pa.int32()),
        ("created_at", pa.timestamp("us")),
        ("address_city", pa.string()),
        ("company_id", pa.string()),
        ("zendesk_id", pa.string()),
        ("stripe_customer_id", pa.string()),
        ("stripeCustomerId", pa.string()),
        ("context_device_id", pa.string()),
        # RudderStack's spelling of traits: the trait's own column wins in a row with both
        ("context_traits_email", pa.string()),
        ("context_traits_phone", pa.string()),
        ("context_traits_zendesk_id", pa.string()),
        ("context_traits_age", pa.string()),  # `age` is an integer: the trait is read as text
        *[(name, pa.string()) for name in HOSTILE_COLUMNS],
    ]
)
# tracks: epoch numbers (seconds, or milliseconds); pages: ISO-8601 text (see _raw_timestamp)
TRACKS_SCHEMA = pa.schema(
    [
        *_event_fields(pa.float64()),
        ("event", pa.string()),
    ]
)
PAGES_SCHEMA = pa.schema(
    [
        *_event_fields(pa.string()),
        ("name", pa.string()),
        ("path", pa.string()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("referrer", pa.string()),
    ]
)
SCREENS_SCHEMA = pa.schema([*EVENT_FIELDS, ("name", pa.string())])
ALIASES_SCHEMA = pa.schema([*EVENT_FIELDS, ("previous_id", pa.string())])
SCHEMAS = {
    "identifies": IDENTIFIES_SCHEMA,
    "tracks": TRACKS_SCHEMA,
    "pages": PAGES_SCHEMA,
    "screens": SCREENS_SCHEMA,
    "aliases": ALIASES_SCHEMA,
}
T0 = datetime(2024, 3, 1, 9, 0, 0)
NBSP = "\u00a0"


@dataclass
class _Rows:
    tables: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in RAW_TABLES}
    )
    counter: int = 0

    def add(self, table: str, **values: Any) -> str:
        self.counter += 1
        values.setdefault("id", f"ajs-edge-{self.counter:05d}")
        at = values.setdefault("timestamp", T0 + timedelta(minutes=self.counter))
        if "received_at" not in values:
            values["received_at"] = at + timedelta(seconds=1) if at is not None else None
        self.tables[table].append(values)
        return str(values["id"])


EPOCH = datetime(1970, 1, 1)
# (offset written after an ISO-8601 text, its minutes east of UTC)
ISO_ZONES = (("", 0), ("Z", 0), ("+05:30", 330), (" -0400", -240), ("+02", 120))


def _raw_timestamp(table: str, index: int, value: Any) -> Any:
    """A row's ``timestamp`` as the raw table holds it: a datetime of `pages` as ISO-8601
    text (no offset, `Z`, or the same instant in another zone), of `tracks` as epoch seconds
    (with microseconds) or whole milliseconds; values given as text or numbers as they are."""
    if not isinstance(value, datetime) or table not in ("tracks", "pages"):
        return value
    if table == "tracks":
        micros = (value - EPOCH) // timedelta(microseconds=1)
        return micros // 1000 * 1.0 if index % 2 and micros % 1000 == 0 else micros / 1e6
    zone, minutes = ISO_ZONES[index % len(ISO_ZONES)]
    local = value + timedelta(minutes=minutes)
    return local.isoformat(sep=" " if index % 2 else "T") + zone


def edge_tables() -> dict[str, pa.Table]:
    """Small raw tables full of what engines are known to do differently."""
    r = _Rows()
    _values(r)
    _orderings(r)
    _columns(r)
    _context_traits(r)
    _screens_and_aliases(r)
    _duplicates_and_chain(r)
    _ordinary_persons(r)
    _timestamps_and_invisible_characters(r)
    _merges(r)
    out: dict[str, pa.Table] = {}
    for name, schema in SCHEMAS.items():
        for index, row in enumerate(r.tables[name]):
            row["timestamp"] = _raw_timestamp(name, index, row.get("timestamp"))
        columns = {col.name: [row.get(col.name) for row in r.tables[name]] for col in schema}
        out[name] = pa.table(columns, schema=schema)
    return out


def _values(r: _Rows) -> None:
    """Identifier values: emails, phones, non-ASCII, quotes, junk."""
    # A userId that is an email, padded with a tab and a newline, in mixed case.
    r.add("identifies", anonymous_id="anon-jane", user_id="\tJane.Doe@Example.COM\n")
    r.add("identifies", anonymous_id="anon-jane", email=" jane.doe@example.com ", first_name="Jane")
    # Phones: spaces, tabs and newlines are removed; a no-break space is not a space to the
    # regular expression engines of DuckDB and Java (ASCII [[:space:]]), so that one is invalid.
    r.add("identifies", user_id="u-phone-1", phone="+1 (555)\t010-2345\n")
    r.add("identifies", user_id="u-phone-2", phone=f"+33{NBSP}6 12 34 56 78")
    r.add("identifies", user_id="u-phone-3", phone="555.010.9999", anonymous_id="anon-p3")
    r.add("identifies", user_id="u-phone-4", phone="12345")
    # E.164 (default country US): a trunk prefix after +44 and 0044 / 011 international
    # prefixes (the regular-expression substitutions with groups on every engine), a
    # national number given its calling code, a placeholder of zeros, an extension.
    r.add("identifies", user_id="u-phone-5", phone="+44 (0)20 7946 0958")
    r.add("identifies", user_id="u-phone-6", phone="0044 20-7946-0958", anonymous_id="anon-p6")
    r.add("identifies", user_id="u-phone-7", phone="011 49 (0)30 123456")
    r.add("identifies", user_id="u-phone-8", phone="1 (415) 555 7777")
    r.add("identifies", user_id="u-phone-9", phone="(000) 000-0000")
    r.add("identifies", user_id="u-phone-10", phone="415 555 7777 ext. 12")
    r.add("identifies", anonymous_id="anon-mailto", email="MAILTO:Mail.To@Example.com.")
    r.add("identifies", anonymous_id="anon-not-email", email="not-an-email")
    # Email pattern: letters s, p, a, c, e and ':' are ordinary characters.
    r.add("identifies", anonymous_id="anon-space", user_id="space.cap@spaces.ca")
    r.add("identifies", anonymous_id="anon-colon", user_id="a:b@c.de")
    r.add("identifies", anonymous_id="anon-blank", user_id="not an@email.com")
    r.add("identifies", anonymous_id="anon-sep", user_id=f"ann@b.co{chr(0x2028)}")
    # Non-ASCII upper case in emails and names; a quote and a backslash in values.
    r.add("identifies", anonymous_id="anon-elise", email="ÉLISE.Zoë@Exemple.FR", first_name="Élise")
    r.add("identifies", anonymous_id="anon-obrien", user_id="o'brien\\42", last_name="O'Brien")
    # Junk identifiers.
    for junk in ("null", "N/A", "0000", "---", "", "   ", "undefined", "0-0"):
        r.add("tracks", anonymous_id=junk, user_id="u-junk", event="Junk Sent")
    r.add("identifies", anonymous_id="anon-junk-mail", email="  ", phone="0000000")


def _orderings(r: _Rows) -> None:
    """Orderings: byte order against collations, ties, nulls, missing and future times."""
    # Byte order versus a linguistic collation: ties on first_seen_at between two values of
    # the canonical type ('B...' < 'a...' in byte order, the other way round in en-US).
    r.add("identifies", user_id="a-77", external_id="B-77", anonymous_id="anon-case")
    r.add("identifies", user_id="b_1", external_id="B-1", anonymous_id="anon-case-2")
    # Newest trait when timestamp and received_at tie: the greater message id wins, compared
    # in byte order ('ajs-edge-B' < 'ajs-edge-a').
    tie_at = T0 + timedelta(days=3)
    for message_id, title in (
        ("ajs-edge-B", "Upper"),
        ("ajs-edge-a", "Lower"),
        ("ajs-edge-_", "Mid"),
    ):
        r.add(
            "identifies",
            id=message_id,
            user_id="u-tie",
            title=title,
            timestamp=tie_at,
            received_at=tie_at,
        )
    # Nulls among the ordering keys: same timestamp, received_at null on one of them.
    null_at = T0 + timedelta(days=4)
    r.add(
        "identifies", user_id="u-nullrecv", address_city="Kept", timestamp=null_at, received_at=None
    )
    r.add(
        "identifies",
        user_id="u-nullrecv",
        address_city="Other",
        timestamp=null_at,
        received_at=null_at + timedelta(seconds=5),
    )
    # An identify without timestamp, and one with a future timestamp.
    r.add("identifies", user_id="u-nots", first_name="NoTime", timestamp=None)
    r.add("identifies", user_id="u-nots", first_name="Timed")
    r.add(
        "identifies",
        user_id="u-future",
        first_name="Future",
        timestamp=datetime(2099, 1, 1, 0, 0, 0, 1),
    )
    r.add("identifies", user_id="u-future", first_name="Present")


def _columns(r: _Rows) -> None:
    """camelCase columns, id traits, a company id shared by two persons, device metadata,
    hostile column names."""
    r.add(
        "identifies",
        user_id="u-camel-1",
        firstName="Camel",
        stripeCustomerId="cus_AAA",
        company_id="company-1",
        context_device_id="device-1",
        age=41,
        created_at=T0 - timedelta(days=30, microseconds=123456),
    )
    r.add(
        "identifies",
        user_id="u-camel-2",
        first_name="Snake",
        stripe_customer_id="cus_BBB",
        zendesk_id=" 1274895 ",
        company_id="company-1",
        context_device_id="device-1",
    )
    r.add("identifies", anonymous_id="anon-z", zendesk_id="1274895", name="Zendesk Only")
    r.add(
        "identifies",
        user_id="u-hostile",
        **{name: f"hostile {name}" for name in HOSTILE_COLUMNS},
    )


def _context_traits(r: _Rows) -> None:
    """RudderStack's ``context_traits_*`` columns: alone, and beside the trait's own column
    (of another type, for ``age``)."""
    r.add(
        "identifies",
        anonymous_id="anon-rudder",
        context_traits_email="Rudder@Example.COM",
        context_traits_phone="+44 20 7946 0958",
        context_traits_zendesk_id="zd-rudder",
        context_traits_age="52",
    )
    r.add(
        "identifies",
        user_id="u-rudder",
        email="rudder.top@example.com",
        context_traits_email="rudder.context@example.com",
        context_traits_zendesk_id="zd-rudder",
        age=53,
        context_traits_age="fifty-three",
    )


def _screens_and_aliases(r: _Rows) -> None:
    """Screen views and alias calls: previous_id compared with the call's own ids after
    trimming (padding with a tab and a no-break space), an email-shaped previous_id, one
    equal to the user id, and a missing one."""
    r.add("screens", anonymous_id="anon-scr-1", name="Home")
    r.add("screens", anonymous_id="anon-scr-2", user_id="u-scr-2", name="Settings")
    # previous_id is the call's own anonymous id, padded: it is that anonymous id
    r.add("aliases", anonymous_id="anon-scr-1", previous_id="\tanon-scr-1" + NBSP, user_id="u-al-1")
    # an email-shaped previous_id of a value never sent as a user_id: an email
    r.add("aliases", previous_id=" Old.Name@Example.COM" + NBSP, user_id="u-al-2")
    r.add("identifies", anonymous_id="anon-al-2", email="old.name@example.com")
    # previous_id equal to the user id after trimming adds nothing; a missing one neither
    r.add("aliases", anonymous_id="anon-al-3", previous_id="u-al-3 ", user_id="u-al-3")
    r.add("aliases", anonymous_id="anon-al-4", previous_id=None, user_id="u-al-4")


def _duplicates_and_chain(r: _Rows) -> None:
    """Duplicate and missing message ids, and a long chain that takes several rounds."""
    # Duplicate message ids: an exact duplicate, a later copy, and a copy with another user_id
    # (same received_at and timestamp: the smaller user_id in byte order is kept).
    dup_at = T0 + timedelta(days=5)
    for user_id in ("u-dup-a", "U-DUP-B"):
        r.add(
            "tracks",
            id="ajs-edge-dup",
            anonymous_id="anon-dup",
            user_id=user_id,
            event="Dup",
            timestamp=dup_at,
            received_at=dup_at,
        )
    for received_later in (timedelta(0), timedelta(hours=1)):
        r.add(
            "pages",
            id="ajs-edge-dup-page",
            anonymous_id="anon-dup-page",
            user_id="u-dup-page",
            name="Home",
            timestamp=dup_at,
            received_at=dup_at + received_later,
        )
    r.add("pages", id=None, anonymous_id="anon-noid", name="No id")
    r.add("pages", id=" \t", anonymous_id="anon-blankid", name="Blank id")
    # A long chain anon-0 - user-0 - anon-1 - user-1 - ... so components take several rounds.
    for k in range(150):
        r.add(
            "tracks",
            anonymous_id=f"chain-anon-{(k * 7919) % 151:03d}",
            user_id=f"chain-user-{k:03d}",
            event="Chained",
        )
        r.add(
            "pages",
            anonymous_id=f"chain-anon-{((k + 1) * 7919) % 151:03d}",
            user_id=f"chain-user-{k:03d}",
            name="Chain",
        )


def _ordinary_persons(r: _Rows) -> None:
    """Plenty of ordinary persons, some sharing devices, with microsecond timestamps."""
    # Plenty of ordinary persons, some sharing devices, with microsecond timestamps.
    for p in range(300):
        anon = f"{p:08x}-0000-4000-8000-{p * 2654435761 % 2**48:012x}"
        at = T0 + timedelta(hours=p, microseconds=p * 37)
        r.add("pages", anonymous_id=anon, name="Landing", timestamp=at)
        if p % 3:
            r.add(
                "identifies",
                anonymous_id=anon,
                user_id=str(100000 + p),
                timestamp=at + timedelta(minutes=2),
                email=f"Person.{p}@Example.com" if p % 4 else None,
                phone=f"555 {p:03d} {p:04d}" if p % 5 == 0 else None,
                first_name=f"First{p}",
                last_name=f"Last{p % 17}",
            )
            r.add(
                "tracks",
                anonymous_id=anon,
                user_id=str(100000 + p),
                event="Order Completed",
                timestamp=at + timedelta(minutes=3),
            )
        if p % 11 == 0:
            r.add(
                "tracks",
                anonymous_id=f"{(p + 1):08x}-0000-4000-8000-{(p + 1) * 2654435761 % 2**48:012x}",
                user_id=str(100000 + p),
                event="Shared Device",
                timestamp=at + timedelta(minutes=5),
            )


def _timestamps_and_invisible_characters(r: _Rows) -> None:
    """Timestamps that cannot be read (left out and counted on every engine), and values
    padded with invisible characters (trimmed on every engine; NFD spellings are not here:
    Spark has no NFC, see test_identifier_normalisation.py)."""
    r.add(
        "pages",
        anonymous_id="anon-ts-garbage",
        name="Bad time",
        timestamp="not a time",
        received_at=T0,
    )
    r.add(
        "pages",
        anonymous_id="anon-ts-feb30",
        name="Bad day",
        timestamp="2024-02-30T10:00:00Z",
        received_at=T0,
    )
    r.add(
        "pages",
        anonymous_id="anon-ts-ok",
        user_id="u-ts",
        name="Ok",
        timestamp="2024-03-05",
        received_at=T0,
    )
    r.add("tracks", anonymous_id="anon-ts-huge", event="Far future", timestamp=1e20, received_at=T0)
    r.add("tracks", anonymous_id="anon-ts-past", event="Far past", timestamp=-1e300, received_at=T0)
    r.add(
        "tracks",
        anonymous_id="anon-ts-ms",
        user_id="u-ts",
        event="Ms",
        timestamp=1.7e12,
        received_at=T0,
    )
    r.add("identifies", anonymous_id="\u200eanon-rtl\u200f", email="\u200bEve@Example.org\u00a0")
    r.add(
        "identifies",
        anonymous_id="anon-bom",
        user_id="\ufeffu-bom\u2060",
        phone="\u3000555 0100 999",
    )
    r.add("tracks", id="\u200b\u00a0", anonymous_id="anon-invisible-id", event="No id")


def _merges(r: _Rows) -> None:
    """Persons merged by a later event (docs/contract.md, "Persons"), where the event order
    and the identifier order are byte order and nulls come last: which id survives, which are
    retired, and which identifiers person_merges names, all follow from them."""
    at = T0 + timedelta(days=20)
    # Three persons, then one identify that carries identifiers of all three: the first
    # person's anchor is external_id 'B-merge' ('B' < 'a' in byte order, not in en-US); it
    # survives, the page visitor's id and the email person's id are retired.
    r.add(
        "identifies",
        anonymous_id="merge-anon-1",
        user_id="a-merge",
        external_id="B-merge",
        timestamp=at,
    )
    r.add("pages", anonymous_id="merge-anon-2", name="Merge", timestamp=at + timedelta(minutes=1))
    r.add(
        "identifies",
        anonymous_id="merge-anon-3",
        email="merge.three@example.com",
        timestamp=at + timedelta(minutes=2),
    )
    r.add(
        "identifies",
        anonymous_id="merge-anon-2",
        user_id="a-merge",
        external_id="B-merge",
        email="merge.three@example.com",
        timestamp=at + timedelta(minutes=10),
    )
    # Two persons first seen at the same instant: the message id decides which came first
    # ('ajs-edge-mq-B' < 'ajs-edge-mq-a' in byte order), so that one survives their merge.
    tie_at = at + timedelta(hours=1)
    for message_id, anonymous_id, user_id in (
        ("ajs-edge-mq-a", "merge-q-2", None),
        ("ajs-edge-mq-B", "merge-q-1", "q-user"),
    ):
        r.add(
            "identifies",
            id=message_id,
            anonymous_id=anonymous_id,
            user_id=user_id,
            timestamp=tie_at,
            received_at=tie_at,
        )
    r.add(
        "tracks",
        anonymous_id="merge-q-2",
        user_id="q-user",
        event="Tie Merge",
        timestamp=tie_at + timedelta(minutes=10),
    )
    # A chain of merges: r-3 into r-2, then r-2 (holding r-3) into r-1; both retired ids
    # now belong to r-1.
    r.add("pages", anonymous_id="merge-r-1", name="Chain Merge", timestamp=at + timedelta(hours=2))
    for k in (2, 3):
        r.add(
            "identifies",
            anonymous_id=f"merge-r-{k}",
            user_id=f"r-user-{k}",
            timestamp=at + timedelta(hours=2, minutes=k),
        )
    for minutes, anonymous_id, user_id in (
        (10, "merge-r-3", "r-user-2"),
        (20, "merge-r-1", "r-user-3"),
    ):
        r.add(
            "tracks",
            anonymous_id=anonymous_id,
            user_id=user_id,
            event="Chain Merge",
            timestamp=at + timedelta(hours=2, minutes=minutes),
        )
    # A linking event never received (received_at null) comes after every other event: it
    # merges the two persons, although its timestamp is before the second one's first event.
    s_at = at + timedelta(hours=3)
    r.add("identifies", anonymous_id="merge-s-1", user_id="s-user", timestamp=s_at)
    r.add("pages", anonymous_id="merge-s-2", name="Null Merge", timestamp=s_at + timedelta(hours=1))
    r.add(
        "tracks",
        anonymous_id="merge-s-2",
        user_id="s-user",
        event="Null Merge",
        timestamp=s_at + timedelta(minutes=30),
        received_at=None,
    )


# --------------------------------------------------------------------------------------
# several sources (var idstitch_sources): support/multi_source_scenario.py
# --------------------------------------------------------------------------------------


def sources_table_name(source: str, table: str) -> str:
    """The raw table of ``source``'s ``table`` in the data set's one raw schema."""
    return f"{source}__{table}"


def sources_tables() -> dict[str, pa.Table]:
    """The multi-source scenario's tables, one raw schema for all three sources (each
    source's tables named ``<source>__<table>``, listed per table in the var). ``age`` is
    an integer in web_prod and text in ios_prod: with several sources a trait is text."""
    from multi_source_scenario import source_tables

    ages: dict[str, tuple[pa.DataType, list[Any]]] = {
        "web_prod": (pa.int64(), [41]),
        "ios_prod": (pa.string(), [None, "29"]),
    }
    event_names = {name for name, _ in EVENT_FIELDS}
    out: dict[str, pa.Table] = {}
    for source, tables in source_tables().items():
        for table, rows in tables.items():
            extra = sorted({key for row in rows for key in row} - event_names)
            schema = pa.schema([*EVENT_FIELDS, *((name, pa.string()) for name in extra)])
            columns = {f.name: [row.get(f.name) for row in rows] for f in schema}
            data = pa.table(columns, schema=schema)
            if table == "identifies" and source in ages:
                age_type, values = ages[source]
                data = data.append_column(pa.field("age", age_type), pa.array(values, age_type))
            out[sources_table_name(source, table)] = data
    return out


def sources_var(raw_schema: str) -> list[dict[str, Any]]:
    """var idstitch_sources for ``sources_tables`` loaded into ``raw_schema``."""
    from multi_source_scenario import source_tables

    return [
        {
            "name": source,
            "tables": {
                table: {"schema": raw_schema, "table": sources_table_name(source, table)}
                for table in tables
            },
        }
        for source, tables in source_tables().items()
    ]
