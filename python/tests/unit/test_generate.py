"""Tests for ``idstitch generate``: determinism, shape, outputs, CLI (the awkward cases of the
data are in test_generate_cases.py)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import generate_support
import pyarrow as pa
import pytest
from generate_support import PERSONS, SEED, one, without_truth

from idstitch import cli
from idstitch.generate import (
    COLUMNS,
    TABLES,
    GenerateError,
    arrow_schema,
    generate,
    iter_tables,
    write_duckdb,
    write_parquet,
)

data = generate_support.data
con = generate_support.con


# --- determinism -----------------------------------------------------------------


def test_same_seed_gives_identical_tables_in_identical_order(data: dict[str, pa.Table]) -> None:
    again = generate(PERSONS, SEED, truth=True)
    for table in TABLES:
        assert again[table].num_rows == data[table].num_rows > 0
        assert again[table].equals(data[table]), table


def test_sorted_by_id_the_contents_are_equal_too(data: dict[str, pa.Table]) -> None:
    again = generate(PERSONS, SEED)
    for table in TABLES:
        keys = [(c, "ascending") for c in ("id", "received_at")]
        a = without_truth(data)[table].sort_by(keys)
        b = again[table].sort_by(keys)
        assert a.equals(b), table


def test_different_seed_gives_different_data(data: dict[str, pa.Table]) -> None:
    other = generate(PERSONS, SEED + 1)
    for table in TABLES:
        ids = set(data[table].column("id").to_pylist())
        other_ids = set(other[table].column("id").to_pylist())
        assert not ids & other_ids, table
    emails = set(data["identifies"].column("email").to_pylist()) - {None, ""}
    other_emails = set(other["identifies"].column("email").to_pylist()) - {None, ""}
    assert len(emails & other_emails) < len(emails) / 10


def test_chunk_size_does_not_change_the_output(data: dict[str, pa.Table]) -> None:
    parts: dict[str, list[pa.Table]] = {t: [] for t in TABLES}
    done_seen = []
    for done, chunk in iter_tables(PERSONS, SEED, chunk_persons=333, truth=True):
        done_seen.append(done)
        for table in TABLES:
            parts[table].append(chunk[table])
    assert done_seen == [333, 666, 999, 1332, 1665, 1998, 2000]
    for table in TABLES:
        assert pa.concat_tables(parts[table]).equals(data[table]), table


def test_rows_are_ordered_by_person(data: dict[str, pa.Table]) -> None:
    for table in TABLES:
        persons = data[table].column("true_person").to_pylist()
        assert persons == sorted(persons), table


# --- shape -------------------------------------------------------------------------


def test_columns_and_types(data: dict[str, pa.Table]) -> None:
    for table in TABLES:
        got = without_truth(data)[table].schema
        assert got == arrow_schema(table), table
        assert got.names == [name for name, _ in COLUMNS[table]]
    assert data["identifies"].schema.field("age").type == pa.int32()
    assert data["identifies"].schema.field("created_at").type == pa.timestamp("us")
    assert data["identifies"].schema.field("birthday").type == pa.string()
    for table in TABLES:
        assert data[table].schema.field("timestamp").type == pa.timestamp("us")  # no time zone


def test_events_per_person_average(data: dict[str, pa.Table]) -> None:
    rows = {t: data[t].num_rows for t in TABLES}
    per_person = sum(rows.values()) / PERSONS
    assert 12.0 <= per_person <= 18.0, rows
    share = {t: rows[t] / sum(rows.values()) for t in TABLES}
    assert 0.04 <= share["identifies"] <= 0.12, share
    assert 0.40 <= share["tracks"] <= 0.65, share
    assert 0.25 <= share["pages"] <= 0.50, share


def test_message_ids_look_like_segment_ids(con: duckdb.DuckDBPyConnection) -> None:
    bad = one(
        con, r"select count(*) from events where not regexp_full_match(id, 'ajs-[0-9a-f]{32}')"
    )
    assert bad == 0


def test_ids_are_unique_except_the_intended_duplicates(con: duckdb.DuckDBPyConnection) -> None:
    # a repeated id always repeats the same message; only received_at may differ
    differing = one(
        con,
        """
        select count(*) from (
            select id from events
            group by id
            having count(distinct (tbl, anonymous_id, user_id, "timestamp", true_person)) > 1
        )
        """,
    )
    assert differing == 0
    dup_rows = one(con, "select count(*) - count(distinct id) from events")
    total = one(con, "select count(*) from events")
    assert isinstance(dup_rows, int) and isinstance(total, int)
    assert 0.002 * total <= dup_rows <= 0.02 * total


def test_timestamps_fall_in_the_period(con: duckdb.DuckDBPyConnection) -> None:
    lo, hi = con.execute("select min(received_at), max(received_at) from events").fetchone()  # type: ignore[misc]
    assert datetime(2024, 1, 1) <= lo and hi < datetime(2025, 1, 1) + timedelta(days=3)
    near = one(
        con,
        """
        select avg(case when received_at >= "timestamp"
            and received_at - "timestamp" <= interval 10 minute then 1 else 0 end) from events
        """,
    )
    assert isinstance(near, float) and near > 0.95


def test_start_and_days_move_the_period() -> None:
    small = generate(300, 3, start=date(2023, 6, 1), days=30)
    for table in TABLES:
        rec = small[table].column("received_at").to_pylist()
        assert min(rec) >= datetime(2023, 6, 1)
        assert max(rec) < datetime(2023, 7, 1) + timedelta(days=3)


# --- outputs -------------------------------------------------------------------------


def test_parquet_and_duckdb_outputs_agree(tmp_path: Path) -> None:
    db = tmp_path / "g.duckdb"
    counts_db = write_duckdb(db, "raw_x", 1500, 11, chunk_persons=400)
    counts_pq = write_parquet(tmp_path / "pq", 1500, 11, chunk_persons=700)
    assert counts_db == counts_pq
    expected = generate(1500, 11)
    c = duckdb.connect(str(db), read_only=True)
    for table in TABLES:
        from_db = c.execute(f"select * from raw_x.{table}").to_arrow_table()
        from_pq = c.execute(
            f"select * from read_parquet('{tmp_path / 'pq' / table}.parquet')"
        ).to_arrow_table()
        assert from_db.num_rows == counts_db[table] == expected[table].num_rows
        assert from_db.equals(expected[table]), table
        assert from_pq.equals(expected[table]), table
    types = dict(
        c.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw_x' and table_name = 'identifies'"
        ).fetchall()
    )
    assert types["age"] == "INTEGER" and types["created_at"] == "TIMESTAMP"
    assert types["birthday"] == "VARCHAR" and types["timestamp"] == "TIMESTAMP"
    leftovers = c.execute(
        "select table_name from information_schema.tables "
        "where starts_with(table_name, '_idstitch')"
    ).fetchall()
    assert leftovers == []
    c.close()


def test_duckdb_refuses_existing_tables_unless_replace(tmp_path: Path) -> None:
    db = tmp_path / "g.duckdb"
    first = write_duckdb(db, "raw_events", 200, 1)
    with pytest.raises(GenerateError, match=r"raw_events\.identifies.*--replace"):
        write_duckdb(db, "raw_events", 200, 2)
    c = duckdb.connect(str(db))
    assert one(c, "select count(*) from raw_events.tracks") == first["tracks"]
    c.close()
    second = write_duckdb(db, "raw_events", 200, 2, replace=True)
    c = duckdb.connect(str(db))
    assert one(c, "select count(*) from raw_events.tracks") == second["tracks"]
    ids = {r[0] for r in c.execute("select id from raw_events.tracks").fetchall()}
    assert ids == set(generate(200, 2)["tracks"].column("id").to_pylist())
    c.close()


def test_an_error_midway_leaves_the_old_tables_untouched(tmp_path: Path) -> None:
    db = tmp_path / "g.duckdb"
    write_duckdb(db, "raw_events", 300, 1)
    c = duckdb.connect(str(db))
    before = c.execute("select * from raw_events.pages").to_arrow_table()
    calls = []

    def explode(message: str) -> None:
        calls.append(message)
        if len(calls) == 2:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_duckdb(c, "raw_events", 300, 9, replace=True, progress=explode, chunk_persons=100)
    after = c.execute("select * from raw_events.pages").to_arrow_table()
    assert after.equals(before)
    tables = {
        r[0] for r in c.execute("select table_name from information_schema.tables").fetchall()
    }
    assert tables == set(TABLES)
    c.close()


def test_parquet_refuses_existing_files_unless_replace(tmp_path: Path) -> None:
    out = tmp_path / "pq"
    write_parquet(out, 100, 1)
    before = (out / "tracks.parquet").read_bytes()
    with pytest.raises(GenerateError, match=r"tracks\.parquet.*--replace"):
        write_parquet(out, 100, 2)
    assert (out / "tracks.parquet").read_bytes() == before
    write_parquet(out, 100, 2, replace=True)
    assert (out / "tracks.parquet").read_bytes() != before
    assert sorted(p.name for p in out.iterdir()) == [f"{t}.parquet" for t in sorted(TABLES)]


def test_bad_arguments() -> None:
    with pytest.raises(GenerateError, match="persons"):
        generate(0, 1)
    with pytest.raises(GenerateError, match="days"):
        generate(10, 1, days=0)


# --- command line ---------------------------------------------------------------------


def test_cli_writes_reports_progress_and_refuses_without_replace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cli.duckdb"
    args = ["generate", "--persons", "1200", "--seed", "5", "--db", str(db)]
    assert cli.main([*args, "--schema", "raw_cli"]) == 0
    out, err = capsys.readouterr()
    progress = [line for line in err.splitlines() if line.startswith("idstitch generate:")]
    assert progress and re.fullmatch(
        r"idstitch generate: 1,200/1,200 persons, [\d.]+[kM]? events, [\d.]+ s", progress[-1]
    )
    expected = generate(1200, 5)
    summary = out.strip().splitlines()[-1]
    for table in TABLES:
        assert f"{table} {expected[table].num_rows:,}" in summary
    assert "raw_cli" in summary

    assert cli.main([*args, "--schema", "raw_cli"]) == 2
    _, err = capsys.readouterr()
    assert "error:" in err and "already exist" in err and "--replace" in err
    assert str(db) in err

    assert cli.main([*args, "--schema", "raw_cli", "--seed", "6", "--replace", "--quiet"]) == 0
    _, err = capsys.readouterr()
    assert err == ""
    c = duckdb.connect(str(db), read_only=True)
    got = c.execute("select * from raw_cli.identifies").to_arrow_table()
    assert got.equals(generate(1200, 6)["identifies"])
    c.close()


def test_cli_default_schema_and_parquet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IDSTITCH_DUCKDB_PATH", str(tmp_path / "env.duckdb"))
    assert cli.main(["generate", "--persons", "50", "--seed", "1", "--quiet"]) == 0
    c = duckdb.connect(str(tmp_path / "env.duckdb"), read_only=True)
    assert (
        one(c, "select count(*) from raw_events.identifies")
        == generate(50, 1)["identifies"].num_rows
    )
    c.close()
    out_dir = tmp_path / "pq"
    assert cli.main(["generate", "--persons", "50", "--seed", "1", "--parquet", str(out_dir)]) == 0
    assert (out_dir / "pages.parquet").exists()
    capsys.readouterr()
    assert cli.main(["generate", "--persons", "50", "--seed", "1", "--parquet", str(out_dir)]) == 2
    assert "--replace" in capsys.readouterr().err
    assert (
        cli.main(
            [
                "generate",
                "--persons",
                "5",
                "--seed",
                "1",
                "--parquet",
                str(out_dir),
                "--schema",
                "x",
            ]
        )
        == 2
    )
    with pytest.raises(SystemExit):
        cli.main(["generate", "--persons", "5", "--seed", "1", "--start", "2024-13-01"])
    with pytest.raises(SystemExit):
        cli.main(["generate", "--persons", "0", "--seed", "1"])
