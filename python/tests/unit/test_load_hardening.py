"""``idstitch load`` under bad input (issue 16, item 6; issue 15's rejects on reload):
nothing good is dropped, every reject is counted with its reason."""

from __future__ import annotations

import gzip
import json

import load_support
import pytest
from load_support import columns, load, rejects, write

from idstitch import cli
from idstitch.load import DEFAULT_MAX_NEW_COLUMNS

con = load_support.con
BOM = b"\xef\xbb\xbf"


def ids(con, table):
    return [r[0] for r in con.execute(f"select id from raw_events.{table} order by id").fetchall()]


def track(i, **extra):
    msg = {
        "type": "track",
        "userId": f"u{i}",
        "event": "E",
        "messageId": f"m{i:04d}",
        "timestamp": "2024-01-01T00:00:00Z",
    }
    return {**msg, **extra}


def identify(message_id, traits, **extra):
    msg = {
        "type": "identify",
        "userId": "u1",
        "messageId": message_id,
        "timestamp": "2024-01-01T00:00:00Z",
        "traits": traits,
    }
    return {**msg, **extra}


def ndjson(*messages):
    return "".join(json.dumps(m) + "\n" for m in messages).encode()


def check_counts(summary):
    assert summary.records == summary.accepted + summary.rejected


# --------------------------------------------------------------------------- arrays


BAD_ELEMENTS = {
    "missing comma": '{"type": "track", "userId": "x" "event": "E"}',
    "truncated object": '{"type": "track", "userId": "x", "event": "E", "timest',
    "unterminated string": '{"type": "track", "userId": "x, "event": "E"}',
    "bare word": "undefined",
    "missing closing brace": '{"type": "track", "userId": "x", "properties": {"a": 1}',
    "two values without a comma": '{"type": "track"} {"type": "track"}',
}


@pytest.mark.parametrize("bad", BAD_ELEMENTS.values(), ids=list(BAD_ELEMENTS))
@pytest.mark.parametrize("pretty", [True, False], ids=["one per line", "one line"])
def test_array_elements_after_a_bad_one_are_still_read(con, tmp_path, bad, pretty):
    elements = [json.dumps(track(i)) for i in range(1000)]
    elements[10] = bad
    sep = ",\n  " if pretty else ","
    path = write(tmp_path / "array.json", ("[\n  " + sep.join(elements) + "\n]\n").encode())
    summary = load(con, tmp_path, path)
    good = [f"m{i:04d}" for i in range(1000) if i != 10]
    assert ids(con, "tracks") == good
    assert summary.accepted == 999
    assert "malformed_json" in summary.rejects
    check_counts(summary)
    for reject in rejects(tmp_path):
        assert "not loaded" not in reject["detail"]


def test_a_broken_array_says_what_was_not_read(con, tmp_path):
    """An array whose rest has no readable message: one reject that says so."""
    text = "[" + json.dumps(track(1)) + ', {"type": "track", "userId": "x", "event": "E'
    path = write(tmp_path / "array.json", text.encode())
    summary = load(con, tmp_path, path)
    assert ids(con, "tracks") == ["m0001"]
    assert summary.rejects == {"malformed_json": 1}
    [reject] = rejects(tmp_path)
    assert "nothing readable after it" in reject["detail"]


# --------------------------------------------------------------------------- compressed files


def _truncated_gzip(tmp_path):
    data = gzip.compress(ndjson(*(track(i) for i in range(100, 400))))
    return write(tmp_path / "b.jsonl.gz", data[: len(data) // 2])


def _corrupt_gzip(tmp_path):
    data = bytearray(gzip.compress(ndjson(*(track(i) for i in range(500, 800)))))
    data[len(data) // 2 : len(data) // 2 + 64] = b"\x00" * 64
    return write(tmp_path / "c.json.gz", bytes(data))


@pytest.mark.parametrize("damaged", [_truncated_gzip, _corrupt_gzip], ids=["truncated", "corrupt"])
def test_damaged_gzip_is_a_reject_and_earlier_files_are_written(con, tmp_path, damaged):
    first = write(tmp_path / "a.jsonl", ndjson(*(track(i) for i in range(5))))
    bad = damaged(tmp_path)
    last = write(tmp_path / "d.jsonl", ndjson(track(900)))
    summary = load(con, tmp_path, first, bad, last)
    written = ids(con, "tracks")
    assert {"m0000", "m0001", "m0002", "m0003", "m0004", "m0900"} <= set(written)
    assert summary.rejects.get("corrupt_file") == 1
    [reject] = [r for r in rejects(tmp_path) if r["reason"] == "corrupt_file"]
    assert reject["source"] == str(bad)
    assert "gzip" in reject["detail"] or "compressed" in reject["detail"]
    check_counts(summary)


def test_gzip_header_only_is_a_reject(con, tmp_path):
    bad = write(tmp_path / "x.jsonl.gz", b"\x1f\x8b")
    good = write(tmp_path / "y.jsonl", ndjson(track(1)))
    summary = load(con, tmp_path, good, bad)
    assert ids(con, "tracks") == ["m0001"]
    assert summary.rejects == {"corrupt_file": 1}


# --------------------------------------------------------------------------- types that do not fit


def test_value_that_does_not_fit_its_column_is_a_per_record_reject(con, tmp_path, capsys):
    con.execute("create schema raw_events")
    con.execute(
        "create table raw_events.identifies "
        "(id varchar, user_id varchar, timestamp timestamp, phone bigint, age integer)"
    )
    path = write(
        tmp_path / "p.jsonl",
        ndjson(
            identify("ok-1", {"phone": 4155550100}),
            identify("bad-1", {"phone": "+1 (415) 555-0199"}),
            identify("ok-2", {"phone": "4155550102", "age": 41}),
            identify("bad-2", {"age": "forty"}),
            identify("ok-3", {"email": "x@example.com"}),
        ),
    )
    summary = load(con, tmp_path, path, batch_size=10)
    assert ids(con, "identifies") == ["ok-1", "ok-2", "ok-3"]
    assert summary.rejects == {"type_mismatch": 2}
    assert summary.written["identifies"] == 3
    assert summary.accepted == 3
    check_counts(summary)
    found = {r["line"]: r for r in rejects(tmp_path)}
    assert set(found) == {2, 4}
    assert "phone" in found[2]["detail"] and "BIGINT" in found[2]["detail"]
    assert "age" in found[4]["detail"] and "INTEGER" in found[4]["detail"]
    for reject in found.values():
        assert "555" not in reject["detail"] and "forty" not in reject["detail"]
    lines = "\n".join(summary.lines())
    assert "555" not in lines and "type_mismatch" in lines


def test_inngest_event_with_a_value_that_does_not_fit_writes_neither_row(con, tmp_path):
    con.execute("create schema raw_events")
    con.execute(
        "create table raw_events.identifies "
        "(id varchar, user_id varchar, timestamp timestamp, phone bigint)"
    )
    event = {"name": "a", "id": "ev1", "ts": 1700000000000, "user": {"external_id": "x"}}
    path = write(
        tmp_path / "i.jsonl",
        ndjson(event, {**event, "id": "ev2", "user": {"external_id": "y", "phone": "+44 20"}}),
    )
    summary = load(con, tmp_path, path)
    assert ids(con, "tracks") == ["ev1"]
    assert ids(con, "identifies") == ["ev1:user"]
    assert summary.rejects == {"type_mismatch": 1}
    check_counts(summary)


# --------------------------------------------------------------------------- identifier traits


@pytest.mark.parametrize(
    ("traits", "name"),
    [
        ({"email": {"address": "jane@example.com"}}, "email"),
        ({"phone": ["+14155550100", "+14155550101"]}, "phone"),
        ({"external_id": {}}, "external_id"),
        ({"stripeCustomerId": {"id": "cus_1"}}, "stripe_customer_id"),
        ({"company": {"crm_id": ["a"]}}, "company_crm_id"),
    ],
)
def test_object_or_array_identifier_trait_is_rejected(con, tmp_path, traits, name):
    path = write(
        tmp_path / "t.jsonl",
        ndjson(
            identify("bad", traits),
            identify("bad-ctx", {}, context={"traits": traits}),
            identify("ok", {"email": "jane@example.com"}),
        ),
    )
    summary = load(con, tmp_path, path)
    assert ids(con, "identifies") == ["ok"]
    assert summary.rejects == {"identifier_not_scalar": 2}
    for reject in rejects(tmp_path):
        assert name in reject["detail"]
    assert not [c for c in columns(con, "identifies") if c.startswith(f"{name}_")]
    check_counts(summary)


def test_inngest_user_email_object_is_rejected(con, tmp_path):
    event = {"name": "a", "id": "ev1", "ts": 1700000000000}
    path = write(
        tmp_path / "i.jsonl",
        ndjson({**event, "user": {"external_id": "x", "email": {"value": "jane@example.com"}}}),
    )
    summary = load(con, tmp_path, path)
    assert summary.rejects == {"identifier_not_scalar": 1}
    assert ids(con, "tracks") == []


# --------------------------------------------------------------------------- duplicates


def _copy(user_id, anonymous_id, received_at, timestamp, label):
    return {
        "type": "track",
        "messageId": "dup",
        "userId": user_id,
        "anonymousId": anonymous_id,
        "receivedAt": received_at,
        "timestamp": timestamp,
        "event": label,
    }


DUPLICATE_CASES = {
    # (copies in file order), label of the copy dbt would keep
    "smallest received_at": (
        [
            _copy("u", "a", "2024-01-01T10:02:00Z", "2024-01-01T09:00:00Z", "late"),
            _copy("u", "a", "2024-01-01T10:00:00Z", "2024-01-01T09:30:00Z", "first"),
            _copy("u", "a", None, "2024-01-01T08:00:00Z", "no received_at"),
        ],
        "first",
    ),
    "then earliest timestamp": (
        [
            _copy("u", "a", "2024-01-01T10:00:00Z", "2024-01-01T09:30:00Z", "later"),
            _copy("u", "a", "2024-01-01T10:00:00Z", "2024-01-01T09:00:00Z", "first"),
        ],
        "first",
    ),
    "then smaller user_id in byte order": (
        [
            _copy("b", "a", "2024-01-01T10:00:00Z", "2024-01-01T09:00:00Z", "b"),
            _copy("\u00e9", "a", "2024-01-01T10:00:00Z", "2024-01-01T09:00:00Z", "e-acute"),
            _copy("B", "a", "2024-01-01T10:00:00Z", "2024-01-01T09:00:00Z", "B"),
        ],
        "B",
    ),
    "then smaller anonymous_id": (
        [
            _copy(None, "z", "2024-01-01T10:00:00Z", "2024-01-01T09:00:00Z", "z"),
            _copy(None, "Z", "2024-01-01T10:00:00Z", "2024-01-01T09:00:00Z", "Z"),
        ],
        "Z",
    ),
    "a user_id before none": (
        [
            _copy(None, "a", "2024-01-01T10:00:00Z", "2024-01-01T09:00:00Z", "none"),
            _copy("u", "a", "2024-01-01T10:00:00Z", "2024-01-01T09:00:00Z", "u"),
        ],
        "u",
    ),
}


@pytest.mark.parametrize("batch_size", [50_000, 1], ids=["one batch", "one row per batch"])
@pytest.mark.parametrize(("copies", "kept"), DUPLICATE_CASES.values(), ids=list(DUPLICATE_CASES))
def test_duplicates_keep_the_first_received(con, tmp_path, copies, kept, batch_size):
    path = write(tmp_path / "dup.jsonl", ndjson(*copies))
    summary = load(con, tmp_path, path, batch_size=batch_size)
    assert con.execute("select event from raw_events.tracks").fetchall() == [(kept,)]
    assert summary.written["tracks"] == 1
    assert summary.duplicates["tracks"] == len(copies) - 1
    assert summary.rejected == 0


def test_duplicates_across_files_keep_the_first_received(con, tmp_path):
    late = _copy("u", "a", "2024-01-01T10:02:00Z", "2024-01-01T09:00:00Z", "late")
    first = _copy("u", "a", "2024-01-01T10:00:00Z", "2024-01-01T09:00:00Z", "first")
    a = write(tmp_path / "a.jsonl", ndjson(late, track(1)))
    b = write(tmp_path / "b.jsonl", ndjson(first, track(2)))
    load(con, tmp_path, a, b, batch_size=2)
    events = con.execute("select event from raw_events.tracks where id = 'dup'").fetchall()
    assert events == [("first",)]


# --------------------------------------------------------------------------- BOM


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("bom.jsonl", ndjson(track(1), track(2))),
        ("bom.json", json.dumps([track(1), track(2)]).encode()),
        ("pretty.json", (json.dumps(track(1), indent=2) + json.dumps(track(2))).encode()),
    ],
)
@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_utf8_bom_is_accepted(con, tmp_path, name, body, compressed):
    data = BOM + body
    path = write(tmp_path / name, gzip.compress(data) if compressed else data)
    summary = load(con, tmp_path, path)
    assert summary.rejects == {}
    assert ids(con, "tracks") == ["m0001", "m0002"]


# --------------------------------------------------------------------------- new columns


def test_one_message_cannot_add_hundreds_of_columns(con, tmp_path):
    many = {f"key{i}Id": f"v{i}" for i in range(999)}
    path = write(
        tmp_path / "wide.jsonl",
        ndjson(identify("wide", many), identify("ok", {"email": "jane@example.com"})),
    )
    summary = load(con, tmp_path, path)
    assert ids(con, "identifies") == ["ok"]
    assert summary.rejects == {"too_many_new_columns": 1}
    assert len(columns(con, "identifies")) < 20
    [reject] = rejects(tmp_path)
    assert str(DEFAULT_MAX_NEW_COLUMNS) in reject["detail"] and "999" in reject["detail"]
    check_counts(summary)


def test_new_columns_cap_counts_over_the_load(con, tmp_path):
    path = write(
        tmp_path / "cols.jsonl",
        ndjson(
            identify("a", {"email": "a@x", "plan": "p"}),
            identify("b", {"favouriteColor": "green"}),
            identify("c", {"email": "c@x", "plan": "q"}),  # existing columns only
            identify("d", {"shoeSize": "44"}),
        ),
    )
    summary = load(con, tmp_path, path, max_new_columns=3)
    assert ids(con, "identifies") == ["a", "b", "c"]
    assert summary.rejects == {"too_many_new_columns": 1}
    assert "shoe_size" not in columns(con, "identifies")
    # a later load with a higher cap takes the rejected message
    again = load(con, tmp_path, path, max_new_columns=10)
    assert again.written["identifies"] == 1 and again.rejected == 0
    assert "shoe_size" in columns(con, "identifies")


def test_cli_max_new_columns(tmp_path, capsys):
    db = tmp_path / "x.duckdb"
    path = write(tmp_path / "c.jsonl", ndjson(identify("a", {"plan": "p", "tier": "t"})))
    args = ["load", "--db", str(db), "--quiet", "--max-new-columns", "1", str(path)]
    assert cli.main(args) == 0  # rejects are counted, the exit code stays 0
    out = capsys.readouterr().out
    assert "too_many_new_columns" in out
    assert cli.main([*args[:-1], "--fail-on-reject", str(path)]) == 1
    assert cli.main([*args[:4], "--max-new-columns", "-1", str(path)]) == 2


# --------------------------------------------------------------------------- rejects file


def test_reload_does_not_append_the_same_rejects_twice(con, tmp_path):
    path = write(
        tmp_path / "r.jsonl",
        b'{"type": "alias", "userId": "x"}\nnot json\n' + ndjson(track(1)),
    )
    first = load(con, tmp_path, path)
    before = (tmp_path / "rejects.jsonl").read_text(encoding="utf-8")
    second = load(con, tmp_path, path)
    assert (tmp_path / "rejects.jsonl").read_text(encoding="utf-8") == before
    assert len(before.splitlines()) == 2
    assert second.rejects == first.rejects  # still counted in the summary
    # a changed line at the same place is a new reject
    write(path, b'{"type": "group", "userId": "x"}\nnot json\n' + ndjson(track(1)))
    load(con, tmp_path, path)
    assert len(rejects(tmp_path)) == 3


# --------------------------------------------------------------------------- help


def test_help_lists_every_rule_and_limit(capsys):
    with pytest.raises(SystemExit):
        cli.main(["load", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for phrase in [
        "--max-new-columns",
        f"default: {DEFAULT_MAX_NEW_COLUMNS}",
        "too_many_new_columns",
        "type_mismatch",
        "identifier_not_scalar",
        "corrupt_file",
        "malformed_json",
        "BOM",
        "first received",
        "received_at",
        "byte order",
        "not appended again",
        "exit status",
    ]:
        assert phrase in text, phrase
