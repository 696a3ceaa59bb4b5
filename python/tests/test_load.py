"""Tests for ``idstitch load`` (python/idstitch/load/ and commands/load.py)."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from idstitch import cli
from idstitch.load import (
    MAX_FIELDS,
    MAX_RECORD_BYTES,
    MAX_STRING_BYTES,
    REJECTS_FILENAME,
    Reject,
    load_files,
    parse_timestamp,
    snake_case,
)

FIXTURES = Path(__file__).parent / "fixtures" / "load"
HASH_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def load(con, tmp_path, *names_or_paths, **kwargs):
    paths = [p if isinstance(p, Path) else FIXTURES / p for p in names_or_paths]
    return load_files(
        paths, con, schema="raw_events", rejects_path=tmp_path / "rejects.jsonl", **kwargs
    )


def rows(con, table, order="id"):
    """Rows of a raw table as dicts of their non-null columns."""
    result = con.execute(f"select * from raw_events.{table} order by {order}")
    names = [d[0] for d in result.description]
    return [
        {k: v for k, v in zip(names, row, strict=True) if v is not None}
        for row in result.fetchall()
    ]


def columns(con, table):
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw_events' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
    ]


def count(con, table):
    return con.execute(f"select count(*) from raw_events.{table}").fetchone()[0]


def rejects(tmp_path):
    path = tmp_path / "rejects.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


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
    assert summary.written == {"identifies": 1, "tracks": 0, "pages": 0}
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
    assert summary.written == {"identifies": 3, "tracks": 1, "pages": 1}

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
    assert summary.written == {"identifies": 1, "tracks": 1, "pages": 0}
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
    assert summary.written == {"identifies": 4, "tracks": 4, "pages": 0}
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


def test_routing_details(con, tmp_path):
    base = {"timestamp": "2024-01-01T00:00:00Z", "anonymousId": "a1"}
    messages = [
        {"type": "screen", "name": "Home", "messageId": "s1", **base},
        {
            "type": "Page",
            "messageId": "p1",
            "context": {"page": {"name": "Ctx", "path": "/ctx", "url": "https://x/ctx"}},
            "properties": {"url": "https://x/p"},
            **base,
        },
        {
            "type": "track",
            "event": "E",
            "messageId": "t1",
            "traits": {"email": "t@x"},
            "context": {"traits": {"plan": "pro"}, "ip": "1.2.3.4"},
            **base,
        },
        {
            "type": "identify",
            "messageId": "i1",
            "properties": {"x": 1},
            "context": {"traits": {"plan": "pro"}, "ip": "1.2.3.4"},
            **base,
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
    lines = [json.dumps(m) for m in messages]
    path = _write(tmp_path / "routing.jsonl", ("\n".join(lines) + "\n").encode())
    summary = load(con, tmp_path, path)
    assert [(r["line"], r["reason"]) for r in rejects(tmp_path)] == [
        (6, "bad_timestamp"),
        (7, "bad_timestamp"),
        (8, "missing_event"),
    ]
    pages = {r["id"]: r for r in rows(con, "pages")}
    assert pages["s1"]["name"] == "Home"  # screen views land in pages
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


# --------------------------------------------------------------------------- bad input


MALFORMED_EXPECTED = {
    3: "malformed_json",
    4: "not_an_object",
    5: "not_an_object",
    6: "not_an_object",
    7: "not_an_object",
    8: "wrong_type",
    9: "bad_timestamp",
    10: "wrong_type",
    11: "wrong_type",
    12: "no_identifier",
    13: "no_identifier",
    14: "unsupported_type",
    15: "unsupported_type",
    16: "unknown_type",
    17: "unknown_type",
    18: "missing_event",
    19: "missing_timestamp",
    20: "malformed_json",
    21: "wrong_type",
    22: "wrong_type",
    25: "malformed_json",
    26: "bad_timestamp",
}


def test_malformed_lines_are_rejected_with_line_and_reason(con, tmp_path):
    summary = load(con, tmp_path, "malformed.jsonl")
    found = rejects(tmp_path)
    assert {r["line"]: r["reason"] for r in found} == MALFORMED_EXPECTED
    assert len(found) == len(MALFORMED_EXPECTED)
    assert summary.blank_lines == 2
    assert summary.records == 24
    assert summary.accepted == 2
    assert summary.records == summary.accepted + summary.rejected
    expected_counts: dict[str, int] = {}
    for reason in MALFORMED_EXPECTED.values():
        expected_counts[reason] = expected_counts.get(reason, 0) + 1
    assert summary.rejects == expected_counts
    assert summary.written == {"identifies": 1, "tracks": 1, "pages": 0}
    assert [r["id"] for r in rows(con, "identifies")] == ["good-1"]
    by_line = {r["line"]: r for r in found}
    assert "traits must be an object" in by_line[8]["detail"]
    assert "alias" in by_line[14]["detail"]
    assert by_line[3]["excerpt"] == '{"type": "identify", "userId": "u2", "traits": {"email": "a@b'
    for reject in found:
        assert set(reject) >= {"source", "line", "reason", "detail", "excerpt", "bytes"}


def _write(path, data):
    path.write_bytes(data)
    return path


def test_binary_huge_and_oversized_records(con, tmp_path):
    good = b'{"type":"track","userId":"u1","event":"E","timestamp":"2024-01-01T00:00:00Z"'
    huge = "x" * (MAX_STRING_BYTES + 1)
    many = {f"trait{i}": i for i in range(MAX_FIELDS + 1)}
    lines = [
        good + b',"messageId":"ok-1"}',
        b'{"type":"identify","userId":"u\xff\xfe","timestamp":"2024-01-01T00:00:00Z"}',
        good + b',"messageId":"big","properties":{"blob":"' + huge.encode() + b'"}}',
        good + b',"messageId":"sur","properties":{"s":"\\ud800"}}',
        json.dumps(
            {"type": "identify", "userId": "u", "timestamp": "2024-01-01T00:00:00Z", "traits": many}
        ).encode(),
        b"\x00\x01\x02\x89PNG garbage",
        b"[" * 100_000,
        good + b',"messageId":"pair","properties":{"s":"\\ud83d\\ude00"}}',
    ]
    path = _write(tmp_path / "bad.jsonl", b"\n".join(lines) + b"\n")
    path_long = _write(
        tmp_path / "long.jsonl", b"{" + b" " * (MAX_RECORD_BYTES + 10) + b"}\n" + lines[0]
    )
    summary = load(con, tmp_path, path, path_long)
    found = {(Path(r["source"]).name, r["line"]): r for r in rejects(tmp_path)}
    assert {k: v["reason"] for k, v in found.items()} == {
        ("bad.jsonl", 2): "invalid_utf8",
        ("bad.jsonl", 3): "value_too_large",
        ("bad.jsonl", 4): "invalid_utf8",
        ("bad.jsonl", 5): "too_many_fields",
        ("bad.jsonl", 6): "invalid_utf8",
        ("bad.jsonl", 7): "malformed_json",
        ("long.jsonl", 1): "message_too_large",
    }
    assert found[("bad.jsonl", 2)]["excerpt"] == (
        '{"type":"identify","userId":"u\\xff\\xfe","timestamp":"2024-01-01T00:00:00Z"}'
    )
    assert found[("bad.jsonl", 6)]["excerpt"].startswith("\x00\x01\x02\\x89PNG")
    assert len(found[("bad.jsonl", 3)]["excerpt"]) <= 200
    assert found[("bad.jsonl", 3)]["bytes"] > MAX_STRING_BYTES
    assert summary.written["tracks"] == 2  # ok-1 and the valid surrogate pair
    assert summary.duplicates["tracks"] == 1  # ok-1 again in long.jsonl
    [pair] = [r for r in rows(con, "tracks") if r["id"] == "pair"]
    assert json.loads(pair["properties"]) == {"s": "\U0001f600"}


def test_json_array_with_bad_elements(con, tmp_path):
    text = (
        "[\n"
        '  {"type": "track", "userId": "u1", "event": "A", "messageId": "a1",'
        ' "timestamp": "2024-01-01T00:00:00Z"},\n'
        "  17,\n"
        '  {"type": "track", "userId": "u1", "event": "B", "messageId": "a2",'
        ' "timestamp": "2024-01-01T00:00:01Z"},\n'
        '  {"type": "track", "userId": "u1", "event": "C", "messageId": "a3", \n'
        "]\n"
    )
    path = _write(tmp_path / "array.json", text.encode())
    summary = load(con, tmp_path, path)
    assert [(r["line"], r["reason"]) for r in rejects(tmp_path)] == [
        (3, "not_an_object"),
        (6, "malformed_json"),
    ]
    assert [r["event"] for r in rows(con, "tracks")] == ["A", "B"]
    assert (summary.records, summary.accepted, summary.rejected) == (4, 2, 2)


def test_gzip_ndjson_and_gzip_array(con, tmp_path):
    ndjson = (FIXTURES / "camelcase_merge.jsonl").read_bytes()
    array = (FIXTURES / "segment_best_practices.json").read_bytes()
    a = _write(tmp_path / "events.jsonl.gz", gzip.compress(ndjson))
    b = _write(tmp_path / "no_suffix", gzip.compress(array))  # detected from content
    summary = load(con, tmp_path, a, b)
    assert summary.rejected == 0
    assert summary.written == {"identifies": 6, "tracks": 1, "pages": 1}


def test_empty_and_blank_files(con, tmp_path):
    empty = _write(tmp_path / "empty.jsonl", b"")
    blank = _write(tmp_path / "blank.jsonl", b"\n  \n\r\n")
    empty_array = _write(tmp_path / "empty.json", b"[ ]")
    summary = load(con, tmp_path, empty, blank, empty_array)
    assert (summary.records, summary.rejected, summary.blank_lines) == (0, 0, 3)
    assert [Path(p).name for p in summary.empty_files] == [
        "empty.jsonl",
        "blank.jsonl",
        "empty.json",
    ]
    assert not (tmp_path / "rejects.jsonl").exists()
    assert any("empty file" in line for line in summary.lines())


def test_pretty_printed_objects_one_after_another(con, tmp_path):
    one = (FIXTURES / "identify_spec_complete.json").read_text()
    two = (FIXTURES / "customerio_identify.json").read_text()
    path = _write(tmp_path / "two.json", (one + "\n" + two).encode())
    summary = load(con, tmp_path, path)
    assert summary.written["identifies"] == 2 and summary.rejected == 0


# --------------------------------------------------------------------------- idempotence, schema


ALL_FIXTURES = sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".json", ".jsonl"))


def test_reload_adds_nothing(con, tmp_path):
    first = load(con, tmp_path, *ALL_FIXTURES)
    counts = {t: count(con, t) for t in ("identifies", "tracks", "pages")}
    assert counts == first.written
    assert all(n > 0 for n in counts.values())
    second = load(con, tmp_path, *ALL_FIXTURES, batch_size=3)
    assert second.written == {"identifies": 0, "tracks": 0, "pages": 0}
    assert second.duplicates == first.written
    assert {t: count(con, t) for t in counts} == counts
    assert second.rejects == first.rejects  # rejects are reported again, not hidden
    assert "skipped as already loaded" in "\n".join(second.lines())


def test_duplicates_within_one_load(con, tmp_path):
    line = '{"type":"track","anonymousId":"a1","event":"E","timestamp":"2024-01-01T00:00:00Z"}\n'
    path = _write(tmp_path / "dup.jsonl", (line * 3).encode())
    summary = load(con, tmp_path, path, batch_size=2)
    assert summary.written["tracks"] == 1
    assert summary.duplicates["tracks"] == 2


def test_append_to_existing_table_with_fewer_columns(con, tmp_path):
    con.execute("create schema raw_events")
    con.execute(
        "create table raw_events.identifies "
        "(id varchar, user_id varchar, timestamp timestamptz, email varchar)"
    )
    con.execute(
        "insert into raw_events.identifies values "
        "('022bb90c-bbac-11e4-8dfc-aa07a5b093db', 'old', '2015-01-01 00:00:00+00', 'o@x'),"
        "('pre-1', 'pre', '2014-01-01 00:00:00+00', 'p@x')"
    )
    summary = load(con, tmp_path, "identify_spec_complete.json", "camelcase_merge.jsonl")
    assert summary.written["identifies"] == 3
    assert summary.duplicates["identifies"] == 1
    cols = columns(con, "identifies")
    assert cols[:4] == ["id", "user_id", "timestamp", "email"]
    assert {"anonymous_id", "received_at", "first_name", "address_city"} <= set(cols)
    got = {
        r[0]: r[1:]
        for r in con.execute(
            "select id, user_id, timestamp at time zone 'UTC', first_name "
            "from raw_events.identifies"
        ).fetchall()
    }
    assert got["pre-1"] == ("pre", ts(2014, 1, 1), None)
    assert got["022bb90c-bbac-11e4-8dfc-aa07a5b093db"][0] == "old"  # not overwritten
    assert got["cio-camel-1"] == ("97980cfea0067", ts(2019, 8, 24, 14, 15, 22), "cool")


def test_columns_from_later_files_are_added(con, tmp_path):
    load(con, tmp_path, "identify_spec_typical.json")
    assert "favourite_color" not in columns(con, "identifies")
    later = _write(
        tmp_path / "later.jsonl",
        b'{"type":"identify","userId":"u2","timestamp":"2024-01-01T00:00:00Z",'
        b'"traits":{"favouriteColor":"green"}}\n',
    )
    load(con, tmp_path, later)
    assert "favourite_color" in columns(con, "identifies")
    values = sorted(
        con.execute("select user_id, favourite_color from raw_events.identifies").fetchall()
    )
    assert values == [("abc123", None), ("u2", "green")]


def test_progress_is_reported(con, tmp_path):
    line = '{"type":"track","anonymousId":"a%d","event":"E","timestamp":"2024-01-01T00:00:00Z"}\n'
    path = _write(tmp_path / "many.jsonl", "".join(line % i for i in range(2500)).encode())
    messages: list[str] = []
    load(con, tmp_path, path, progress=messages.append, progress_seconds=0)
    assert len(messages) == 2
    assert "2,000 records read" in messages[-1]


# --------------------------------------------------------------------------- command line


def test_cli_load(tmp_path, capsys):
    db = tmp_path / "sub" / "x.duckdb"
    db.parent.mkdir()
    args = ["load", "--db", str(db), "--schema", "raw", "--quiet"]
    assert cli.main([*args, str(FIXTURES / "malformed.jsonl"), str(FIXTURES)]) == 0
    out = capsys.readouterr().out
    assert "rejected by reason" in out and "unsupported_type" in out
    assert (db.parent / REJECTS_FILENAME).exists()
    with duckdb.connect(str(db)) as check:
        assert check.execute("select count(*) from raw.identifies").fetchone()[0] > 0
    assert cli.main([*args, "--fail-on-reject", str(FIXTURES / "malformed.jsonl")]) == 1
    assert cli.main([*args, str(tmp_path / "missing.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
