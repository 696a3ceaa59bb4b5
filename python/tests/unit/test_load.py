"""Tests for ``idstitch load`` (python/idstitch/load/ and commands/load.py)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import load_support
import pytest
from load_support import columns, count, load, rejects, rows, write

from idstitch.load import (
    Reject,
    parse_timestamp,
    snake_case,
)

con = load_support.con
HASH_ID = re.compile(r"[0-9a-f]{32}")


def ts(*parts):
    return datetime(*parts)


# --------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("firstName", "first_name"),
        ("postalCode", "postal_code"),
        ("stripeCustomerId", "stripe_customer_id"),
        ("userId", "user_id"),
        ("external_id", "external_id"),
        ("Place of birth", "place_of_birth"),
        ("HTTPServer", "http_server"),
        ("stripeCustomerID", "stripe_customer_id"),
        ("Base64Encode", "base64_encode"),
        ("sample___text", "sample_text"),
        ("$something%", "something"),
        ("Email", "email"),
        ("$%&", ""),
    ],
)
def test_snake_case(key, expected):
    assert snake_case(key) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-02-23T22:28:55.111Z", ts(2015, 2, 23, 22, 28, 55, 111000)),
        ("2020-04-23T22:38:48.55Z", ts(2020, 4, 23, 22, 38, 48, 550000)),
        ("2019-08-24T16:15:22+02:00", ts(2019, 8, 24, 14, 15, 22)),
        ("2019-08-24T09:15:22-0500", ts(2019, 8, 24, 14, 15, 22)),
        ("2019-08-24 14:15:22", ts(2019, 8, 24, 14, 15, 22)),
        ("2019-08-24", ts(2019, 8, 24)),
        ("2015-02-23T22:28:55.387123456Z", ts(2015, 2, 23, 22, 28, 55, 387123)),
        ("2015-02-23t22:28:55,5z", ts(2015, 2, 23, 22, 28, 55, 500000)),
        ("2020-01-01T00:30:00+01:00", ts(2019, 12, 31, 23, 30)),
    ],
)
def test_parse_timestamp_normalises_to_utc(text, expected):
    micros = parse_timestamp(text, "timestamp")
    assert micros == (expected - datetime(1970, 1, 1)) // timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("yesterday", "bad_timestamp"),
        ("2020-13-45T00:00:00Z", "bad_timestamp"),
        (1704067200, "wrong_type"),
    ],
)
def test_parse_timestamp_rejects(value, reason):
    with pytest.raises(Reject) as info:
        parse_timestamp(value, "timestamp")
    assert info.value.reason == reason


# --------------------------------------------------------------------------- reference payloads


def test_identify_spec_complete_example(con, tmp_path):
    summary = load(con, tmp_path, "identify_spec_complete.json")
    assert (summary.records, summary.accepted, summary.rejected) == (1, 1, 0)
    assert summary.written == {"identifies": 1, "tracks": 0, "pages": 0, "screens": 0, "aliases": 0}
    [row] = rows(con, "identifies")
    context = json.loads(row.pop("context"))
    assert context["ip"] == "" and context["userAgent"].startswith("Mozilla/5.0 (Macintosh")
    assert row == {
        "id": "022bb90c-bbac-11e4-8dfc-aa07a5b093db",
        "anonymous_id": "507f191e810c19729de860ea",
        "user_id": "97980cfea0067",
        "timestamp": ts(2015, 2, 23, 22, 28, 55, 111000),
        "received_at": ts(2015, 2, 23, 22, 28, 55, 387000),
        "sent_at": ts(2015, 2, 23, 22, 28, 55, 111000),
        "firstname": "Elon",
        "lastname": "Musk",
        "email": "[email protected]",
        "place_of_birth": "South Africa",
        "address_street": "6th St",
        "address_city": "Durban",
        "address_country": "South Africa",
    }
    assert summary.ignored_fields == {"channel": 1, "version": 1}
    assert count(con, "tracks") == 0 and count(con, "pages") == 0


def test_identify_spec_typical_call_gets_hash_id_and_received_at(con, tmp_path):
    load(con, tmp_path, "identify_spec_typical.json")
    [row] = rows(con, "identifies")
    assert HASH_ID.fullmatch(row.pop("id"))
    assert row == {
        "user_id": "abc123",
        "timestamp": ts(2015, 2, 23, 22, 30),
        "received_at": ts(2015, 2, 23, 22, 30),
        "firstname": "Elon",
        "lastname": "Musk",
        "email": "[email protected]",
        "country_of_birth": "South Africa",
    }


def test_customerio_full_payload(con, tmp_path):
    load(con, tmp_path, "customerio_identify.json")
    [row] = rows(con, "identifies")
    context = json.loads(row.pop("context"))
    assert context["page"]["keywords"] == ["string"]
    assert row == {
        "id": "string",
        "user_id": "97980cfea0067",
        "timestamp": ts(2019, 8, 24, 14, 15, 22),
        "received_at": ts(2019, 8, 24, 14, 15, 22),
        "sent_at": ts(2019, 8, 24, 14, 15, 22),
        "name": "Cool Person",
        "email": "cool.person@example.com",
        "likes_baseball": "true",
        "games_attended": "5",
    }
    # context is kept as JSON, never flattened into *_id-like trait columns
    assert not [c for c in columns(con, "identifies") if c.startswith("context_")]


def test_segment_best_practices_array(con, tmp_path):
    summary = load(con, tmp_path, "segment_best_practices.json")
    assert (summary.records, summary.accepted, summary.rejected) == (5, 5, 0)
    assert summary.written == {"identifies": 3, "tracks": 1, "pages": 1, "screens": 0, "aliases": 0}

    [page] = rows(con, "pages")
    assert json.loads(page.pop("context"))["library"]["name"] == "analytics.js"
    assert json.loads(page.pop("properties"))["title"] == "Home Page"
    assert page == {
        "id": "ajs-84d32beb4273e661a2257bfef41c4964",
        "anonymous_id": "bd077b70-816b-448b-ae79-2f5f7d856513",
        "timestamp": ts(2020, 4, 23, 22, 38, 48, 550000),
        "received_at": ts(2020, 4, 23, 22, 38, 48, 550000),
        "sent_at": ts(2020, 4, 23, 22, 38, 48, 550000),
        "original_timestamp": ts(2020, 4, 23, 22, 38, 48, 550000),
        "path": "/",
        "url": "https://somesite.com",
        "title": "Home Page",
        "referrer": "",
        "search": "",
    }

    identifies = {r["id"]: r for r in rows(con, "identifies")}
    signup = identifies["ajs-84d32beb4273e661a2257bfef41c4965"]
    assert "user_id" not in signup
    assert (signup["first_name"], signup["last_name"], signup["email"]) == (
        "Joe",
        "Visitor",
        "jvisitor@thissite.com",
    )
    registered = identifies["ajs-84d32beb4273e661a2257bfef41c4966"]
    assert registered["user_id"] == "123abc"
    assert {k: v for k, v in registered.items() if k.startswith(("address_", "phone"))} == {
        "phone": "555-555-5555",
        "address_street": "6th Street",
        "address_city": "San Fransisco",
        "address_state": "CA",
        "address_postal_code": "94103",
        "address_country": "US",
    }
    assert identifies["ajs-peter-identify"]["plan"] == "premium"

    [track] = rows(con, "tracks")
    assert (track["event"], track["user_id"]) == ("Signed Up", "97980cfea0067")
    assert json.loads(track["properties"])["email"] == "peter@example.com"
    # track properties stay JSON: tracks gets no trait columns
    assert "email" not in columns(con, "tracks")


def test_segment_verbatim_broken_payload_is_one_reject(con, tmp_path):
    summary = load(con, tmp_path, "segment_best_practices_verbatim.txt")
    assert (summary.records, summary.accepted, summary.rejects) == (1, 0, {"malformed_json": 1})
    [reject] = rejects(tmp_path)
    assert reject["line"] == 3
    assert reject["reason"] == "malformed_json"
    assert "Expecting ',' delimiter" in reject["detail"]
    assert reject["source"].endswith("segment_best_practices_verbatim.txt")
    assert reject["excerpt"].startswith('"context": {\n"ip"')  # from the line in error


def test_inngest_ticket_updated(con, tmp_path):
    summary = load(con, tmp_path, "inngest_ticket_updated.json")
    assert summary.written == {"identifies": 1, "tracks": 1, "pages": 0, "screens": 0, "aliases": 0}
    [track] = rows(con, "tracks")
    event_id = track.pop("id")
    assert HASH_ID.fullmatch(event_id)
    assert json.loads(track.pop("properties")) == {
        "ticket_id": 189325,
        "comment": "Thanks for sending me the return label!",
        "status": "open",
    }
    assert json.loads(track.pop("context")) == {"inngest": {"v": "2021-09-15.01"}}
    when = ts(2021, 9, 21, 13, 46, 42, 369000)
    assert datetime.fromtimestamp(1632232002369 / 1000, UTC).replace(tzinfo=None) == when
    assert track == {"user_id": "83561", "timestamp": when, "event": "ticket.updated"}

    [identify] = rows(con, "identifies")
    assert identify == {
        "id": f"{event_id}:user",
        "user_id": "83561",
        "timestamp": when,
        "external_id": "83561",
        "zendesk_id": "1274895",
        "email": "",
        "last_seen": "1632232002369",
        "plan": "pro",
    }


def test_inngest_ticket_updated_verbatim_lines_are_rejected(con, tmp_path):
    summary = load(con, tmp_path, "inngest_ticket_updated_verbatim.txt")
    assert summary.accepted == 0
    assert summary.rejects == {"malformed_json": 13}
    assert [r["line"] for r in rejects(tmp_path)] == list(range(1, 14))
    assert count(con, "tracks") == 0


def test_inngest_send_examples(con, tmp_path):
    summary = load(con, tmp_path, "inngest_send_events.jsonl", "inngest_invoices.json")
    by_line = {(Path(r["source"]).name, r["line"]): r["reason"] for r in rejects(tmp_path)}
    assert by_line == {
        ("inngest_send_events.jsonl", 1): "missing_timestamp",
        ("inngest_send_events.jsonl", 2): "no_identifier",
        ("inngest_send_events.jsonl", 3): "missing_timestamp",
        ("inngest_send_events.jsonl", 5): "no_identifier",
        ("inngest_invoices.json", 2): "no_identifier",
        ("inngest_invoices.json", 6): "no_identifier",
    }
    assert (summary.records, summary.accepted) == (7, 1)
    [track] = rows(con, "tracks")
    assert track["id"] == "cart-checkout-completed-ed12c8bde"
    assert track["event"] == "storefront/cart.checkout.completed"
    assert track["timestamp"] == ts(2023, 5, 16, 21, 58, 48, 198000)
    assert track["user_id"] == "6463da8211cdbbcb191dd7da"
    [identify] = rows(con, "identifies")
    assert identify["id"] == "cart-checkout-completed-ed12c8bde:user"
    assert identify["external_id"] == "6463da8211cdbbcb191dd7da"


def test_inngest_exported_events_user_id_rules(con, tmp_path):
    summary = load(con, tmp_path, "inngest_exported.jsonl")
    assert summary.written == {"identifies": 4, "tracks": 4, "pages": 0, "screens": 0, "aliases": 0}
    tracks = {r["id"]: r for r in rows(con, "tracks")}
    assert tracks["01H08W4TMBNKMEWFD0TYC532GG"]["timestamp"] == ts(2023, 5, 16, 21, 53, 20)
    assert tracks["01H08W4TMBNKMEWFD0TYC532GG"]["user_id"] == "645ea000129f1c40109ca7ad"
    by_event = {r["event"]: r for r in tracks.values()}
    assert by_event["app/cart.viewed"]["user_id"] == "Shopper@Example.com"  # email fallback
    assert "user_id" not in by_event["app/phone.verified"]
    identifies = rows(con, "identifies", order="timestamp")
    assert [r.get("user_id") for r in identifies] == [
        "645ea000129f1c40109ca7ad",
        "6463da8211cdbbcb191dd7da",
        "Shopper@Example.com",
        None,
    ]
    assert identifies[2]["stripe_customer_id"] == "cus_9s6XKzkNRiz8i3"
    assert identifies[3]["phone"] == "+1 (555) 010-9999"
    assert "stripeCustomerId" not in columns(con, "identifies")


def test_camelcase_traits_merge_into_snake_case_columns(con, tmp_path):
    summary = load(con, tmp_path, "camelcase_merge.jsonl")
    cols = columns(con, "identifies")
    for wanted in ("first_name", "last_name", "stripe_customer_id", "created_at", "company_id"):
        assert wanted in cols
    assert not [c for c in cols if c != c.lower()]
    by_id = {r["id"]: r for r in rows(con, "identifies")}
    camel = by_id["cio-camel-1"]
    assert camel["timestamp"] == ts(2019, 8, 24, 14, 15, 22)
    assert (camel["first_name"], camel["last_name"]) == ("cool", "person")
    assert camel["stripe_customer_id"] == "cus_9s6XKzkNRiz8i3"
    assert camel["created_at"] == "2019-01-01T00:00:00Z"
    assert (camel["company_name"], camel["company_id"], camel["company_employee_count"]) == (
        "Initech",
        "42",
        "50",
    )
    assert by_id["cio-snake-1"]["first_name"] == "snake"
    both = by_id["cio-both-1"]
    assert both["first_name"] == "snake wins"  # exact snake_case key beats firstName
    assert both["email"] == "new@example.com"  # traits beat context.traits
    assert both["plan"] == "free"  # context.traits fill what traits lack
    assert both["user_id"] == "97980cfea0069"  # the trait userId does not override
    assert summary.ignored_fields == {"traits.user_id (reserved column)": 1}


_ROUTING_BASE = {"timestamp": "2024-01-01T00:00:00Z", "anonymousId": "a1"}
# The messages of test_routing_details; the last three are rejected (lines 6, 7, 8).
ROUTING_MESSAGES = [
    {"type": "screen", "name": "Home", "messageId": "s1", **_ROUTING_BASE},
    {
        "type": "Page",
        "messageId": "p1",
        "context": {"page": {"name": "Ctx", "path": "/ctx", "url": "https://x/ctx"}},
        "properties": {"url": "https://x/p"},
        **_ROUTING_BASE,
    },
    {
        "type": "track",
        "event": "E",
        "messageId": "t1",
        "traits": {"email": "t@x"},
        "context": {"traits": {"plan": "pro"}, "ip": "1.2.3.4"},
        **_ROUTING_BASE,
    },
    {
        "type": "identify",
        "messageId": "i1",
        "properties": {"x": 1},
        "context": {"traits": {"plan": "pro"}, "ip": "1.2.3.4"},
        **_ROUTING_BASE,
    },
    {
        "type": "identify",
        "messageId": 12345,
        "userId": 83561.0,
        "timestamp": "2024-01-01T00:00:00Z",
        "traits": {
            "external_id": 83561.0,
            "score": 1.0,
            "vip": False,
            "tags": ["a", "b"],
            "empty": {},
            "gone": None,
        },
    },
    {"id": 7, "name": "app/x", "user": {"external_id": 1}, "ts": -5},
    {"id": 7, "name": "app/x", "user": {"external_id": 1}, "ts": 1.5},
    {"id": 8, "name": "   ", "user": {"external_id": 1}, "ts": 1},
]


def test_routing_details(con, tmp_path):
    messages = ROUTING_MESSAGES
    lines = [json.dumps(m) for m in messages]
    path = write(tmp_path / "routing.jsonl", ("\n".join(lines) + "\n").encode())
    summary = load(con, tmp_path, path)
    assert [(r["line"], r["reason"]) for r in rejects(tmp_path)] == [
        (6, "bad_timestamp"),
        (7, "bad_timestamp"),
        (8, "missing_event"),
    ]
    [screen] = rows(con, "screens")
    assert (screen["id"], screen["name"], screen["anonymous_id"]) == ("s1", "Home", "a1")
    pages = {r["id"]: r for r in rows(con, "pages")}
    assert set(pages) == {"p1"}  # screen views have a table of their own
    assert (pages["p1"]["name"], pages["p1"]["path"], pages["p1"]["url"]) == (
        "Ctx",
        "/ctx",
        "https://x/p",  # properties beat context.page
    )
    [track] = rows(con, "tracks")
    assert json.loads(track["context"]) == {
        "traits": {"plan": "pro", "email": "t@x"},
        "ip": "1.2.3.4",
    }
    identifies = {r["id"]: r for r in rows(con, "identifies")}
    assert identifies["i1"]["plan"] == "pro"
    assert json.loads(identifies["i1"]["context"]) == {"ip": "1.2.3.4"}  # traits are columns
    numbers = identifies["12345"]
    assert (numbers["user_id"], numbers["external_id"]) == ("83561", "83561")
    assert (numbers["score"], numbers["vip"], numbers["tags"]) == ("1.0", "false", '["a","b"]')
    assert "empty" not in columns(con, "identifies")
    assert "gone" not in columns(con, "identifies")  # a null creates no column
    assert summary.ignored_fields == {"properties": 1}


def test_screens_aliases_and_group_calls(con, tmp_path):
    """screen -> screens (name top-level, else properties.name), alias -> aliases with
    previous_id; an alias without previousId, or without userId and anonymousId, and a
    group call are rejected, each with its reason, and counted."""
    summary = load(con, tmp_path, "screens_and_aliases.jsonl")
    assert [(r["line"], r["reason"]) for r in rejects(tmp_path)] == [
        (5, "missing_previous_id"),
        (6, "no_identifier"),
        (7, "group_call_not_read"),
    ]
    assert summary.rejects == {
        "missing_previous_id": 1,
        "no_identifier": 1,
        "group_call_not_read": 1,
    }
    assert summary.records == summary.accepted + summary.rejected == 7
    assert summary.written == {"identifies": 0, "tracks": 0, "pages": 0, "screens": 2, "aliases": 2}
    screens = {r["id"]: r for r in rows(con, "screens")}
    assert (screens["scr-1"]["name"], screens["scr-1"]["anonymous_id"]) == ("Home", "dev-1")
    assert json.loads(screens["scr-1"]["properties"]) == {"variation": "blue"}
    assert (screens["scr-2"]["name"], screens["scr-2"]["category"]) == ("Settings", "Account")
    aliases = {r["id"]: r for r in rows(con, "aliases")}
    first = aliases["ali-1"]
    assert (first["previous_id"], first["user_id"], first["anonymous_id"]) == (
        "dev-1",
        "u-77",
        "dev-1",
    )
    assert json.loads(first["context"]) == {"app": {"name": "shop"}}
    assert (aliases["ali-2"]["previous_id"], aliases["ali-2"]["user_id"]) == (
        "old@example.com",
        "u-77",
    )
    for table in ("identifies", "tracks", "pages"):  # every table is made, even empty
        assert count(con, table) == 0
    assert "rejected by reason" in "\n".join(summary.lines())
