"""``idstitch load`` on bad input (malformed, binary, oversized, compressed, empty files), on
reloads and growing schemas, with progress, and from the command line. The reference payloads
and the units are in test_load.py."""

from __future__ import annotations

import gzip
import json
import re
from datetime import datetime
from pathlib import Path

import duckdb
import load_support
from load_support import FIXTURES, columns, count, load, rejects, rows, write

from idstitch import cli
from idstitch.load import MAX_FIELDS, MAX_RECORD_BYTES, MAX_STRING_BYTES, REJECTS_FILENAME, TABLES

con = load_support.con
HASH_ID = re.compile(r"[0-9a-f]{32}")


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
    15: "group_call_not_read",
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
    assert summary.accepted == 3  # line 14 is an alias call
    assert summary.records == summary.accepted + summary.rejected
    expected_counts: dict[str, int] = {}
    for reason in MALFORMED_EXPECTED.values():
        expected_counts[reason] = expected_counts.get(reason, 0) + 1
    assert summary.rejects == expected_counts
    assert summary.written == {"identifies": 1, "tracks": 1, "pages": 0, "screens": 0, "aliases": 1}
    assert [r["id"] for r in rows(con, "identifies")] == ["good-1"]
    [alias] = rows(con, "aliases")
    assert (alias["previous_id"], alias["user_id"]) == ("a1", "u1")
    by_line = {r["line"]: r for r in found}
    assert "traits must be an object" in by_line[8]["detail"]
    assert "group calls are not loaded" in by_line[15]["detail"]
    assert by_line[3]["excerpt"] == '{"type": "identify", "userId": "u2", "traits": {"email": "a@b'
    for reject in found:
        assert set(reject) >= {"source", "line", "reason", "detail", "excerpt", "bytes"}


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
    path = write(tmp_path / "bad.jsonl", b"\n".join(lines) + b"\n")
    path_long = write(
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
    path = write(tmp_path / "array.json", text.encode())
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
    a = write(tmp_path / "events.jsonl.gz", gzip.compress(ndjson))
    b = write(tmp_path / "no_suffix", gzip.compress(array))  # detected from content
    summary = load(con, tmp_path, a, b)
    assert summary.rejected == 0
    assert summary.written == {"identifies": 6, "tracks": 1, "pages": 1, "screens": 0, "aliases": 0}


def test_empty_and_blank_files(con, tmp_path):
    empty = write(tmp_path / "empty.jsonl", b"")
    blank = write(tmp_path / "blank.jsonl", b"\n  \n\r\n")
    empty_array = write(tmp_path / "empty.json", b"[ ]")
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
    path = write(tmp_path / "two.json", (one + "\n" + two).encode())
    summary = load(con, tmp_path, path)
    assert summary.written["identifies"] == 2 and summary.rejected == 0


# --------------------------------------------------------------------------- idempotence, schema


ALL_FIXTURES = sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".json", ".jsonl"))


def test_reload_adds_nothing(con, tmp_path):
    first = load(con, tmp_path, *ALL_FIXTURES)
    counts = {t: count(con, t) for t in TABLES}
    assert counts == first.written
    assert all(n > 0 for n in counts.values())
    second = load(con, tmp_path, *ALL_FIXTURES, batch_size=3)
    assert second.written == {"identifies": 0, "tracks": 0, "pages": 0, "screens": 0, "aliases": 0}
    assert second.duplicates == first.written
    assert {t: count(con, t) for t in counts} == counts
    assert second.rejects == first.rejects  # rejects are reported again, not hidden
    assert "skipped as already loaded" in "\n".join(second.lines())


def test_duplicates_within_one_load(con, tmp_path):
    line = '{"type":"track","anonymousId":"a1","event":"E","timestamp":"2024-01-01T00:00:00Z"}\n'
    path = write(tmp_path / "dup.jsonl", (line * 3).encode())
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
    assert got["pre-1"] == ("pre", datetime(2014, 1, 1), None)
    assert got["022bb90c-bbac-11e4-8dfc-aa07a5b093db"][0] == "old"  # not overwritten
    assert got["cio-camel-1"] == ("97980cfea0067", datetime(2019, 8, 24, 14, 15, 22), "cool")


def test_columns_from_later_files_are_added(con, tmp_path):
    load(con, tmp_path, "identify_spec_typical.json")
    assert "favourite_color" not in columns(con, "identifies")
    later = write(
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
    path = write(tmp_path / "many.jsonl", "".join(line % i for i in range(2500)).encode())
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
    assert "rejected by reason" in out and "group_call_not_read" in out
    assert (db.parent / REJECTS_FILENAME).exists()
    with duckdb.connect(str(db)) as check:
        assert check.execute("select count(*) from raw.identifies").fetchone()[0] > 0
    assert cli.main([*args, "--fail-on-reject", str(FIXTURES / "malformed.jsonl")]) == 1
    assert cli.main([*args, str(tmp_path / "missing.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
