"""Tests for ``idstitch generate``: determinism, shape, awkward cases, outputs, CLI."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from idstitch import cli
from idstitch.generate import (
    COLUMNS,
    JUNK_IDS,
    TABLES,
    GenerateError,
    arrow_schema,
    generate,
    iter_tables,
    write_duckdb,
    write_parquet,
)

PERSONS = 2000
SEED = 7


@pytest.fixture(scope="module")
def data() -> dict[str, pa.Table]:
    return generate(PERSONS, SEED, truth=True)


@pytest.fixture(scope="module")
def con(data: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    for table, arrow in data.items():
        c.register(table, arrow)
    c.execute(
        """
        create view events as
        select 'identifies' as tbl, id, anonymous_id, user_id, "timestamp", received_at,
            true_person from identifies
        union all
        select 'tracks', id, anonymous_id, user_id, "timestamp", received_at, true_person
        from tracks
        union all
        select 'pages', id, anonymous_id, user_id, "timestamp", received_at, true_person
        from pages
        """
    )
    return c


def one(c: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = c.execute(sql).fetchone()
    assert row is not None
    return row[0]


def without_truth(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    return {t: v.drop_columns(["true_person"]) for t, v in tables.items()}


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


# --- the awkward cases ---------------------------------------------------------------


def test_most_persons_are_anonymous_only(con: duckdb.DuckDBPyConnection) -> None:
    share = one(
        con,
        """
        with p as (
            select true_person, bool_or(user_id is not null) as has_user from events group by 1
        ), e as (
            select distinct true_person from identifies where email like '%@%'
        )
        select avg(case when not has_user and e.true_person is null then 1 else 0 end)
        from p left join e using (true_person)
        """,
    )
    assert isinstance(share, float) and 0.5 < share < 0.75


def test_persons_have_several_anonymous_ids(con: duckdb.DuckDBPyConnection) -> None:
    counts = dict(
        con.execute(
            """
            select n, count(*) from (
                select true_person, count(distinct anonymous_id) as n from events
                where anonymous_id is not null and length(anonymous_id) = 36
                    and anonymous_id <> '00000000-0000-0000-0000-000000000000'
                group by 1
            ) group by 1
            """
        ).fetchall()
    )
    assert counts[1] > counts[2] > counts[3] > 0
    assert max(counts) >= 5
    # web ids are lower case, iOS ids upper case
    upper = one(con, "select count(*) from events where anonymous_id similar to '[0-9A-F-]{36}'")
    lower = one(con, "select count(*) from events where anonymous_id similar to '[0-9a-f-]{36}'")
    assert isinstance(upper, int) and isinstance(lower, int)
    assert upper > 0 and lower > upper


def test_soft_registration_without_user_id(con: duckdb.DuckDBPyConnection) -> None:
    soft = one(
        con,
        "select count(*) from identifies where user_id is null and anonymous_id is not null "
        "and email like '%@%'",
    )
    assert isinstance(soft, int) and soft > 50
    # some soft registrations are followed by a full registration on the same device
    later_full = one(
        con,
        """
        select count(distinct s.anonymous_id)
        from identifies s join identifies f
            on f.anonymous_id = s.anonymous_id and f.user_id is not null
            and f."timestamp" > s."timestamp"
        where s.user_id is null and s.email like '%@%'
        """,
    )
    assert isinstance(later_full, int) and later_full > 10


def test_full_registration_with_traits(con: duckdb.DuckDBPyConnection) -> None:
    full = one(
        con,
        "select count(*) from identifies where user_id is not null and anonymous_id is not null "
        "and email like '%@%' and created_at is not null",
    )
    assert isinstance(full, int) and full > 100


def test_logins_link_devices_and_some_device_never_logs_in(
    con: duckdb.DuckDBPyConnection,
) -> None:
    linked = one(
        con,
        """
        select count(*) from (
            select user_id from identifies where user_id is not null and anonymous_id is not null
            group by 1 having count(distinct anonymous_id) >= 2
        )
        """,
    )
    assert isinstance(linked, int) and linked > 50
    # registered persons with a device whose events never carry a user_id or an email
    never = one(
        con,
        """
        with dev as (
            select e.true_person, e.anonymous_id,
                bool_or(e.user_id is not null) or bool_or(i.email is not null) as linked
            from events e left join identifies i on i.id = e.id
            where e.anonymous_id is not null and length(e.anonymous_id) = 36
            group by 1, 2
        )
        select count(distinct true_person) from dev d
        where not linked and exists (
            select 1 from events u where u.true_person = d.true_person and u.user_id is not null
        )
        """,
    )
    assert isinstance(never, int) and never > 20


def test_server_side_calls_without_anonymous_id(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("identifies", "tracks"):
        n = one(
            con, f"select count(*) from {table} where anonymous_id is null and user_id is not null"
        )
        assert isinstance(n, int) and n > 0, table


def test_email_as_user_id(con: duckdb.DuckDBPyConnection) -> None:
    n = one(con, "select count(distinct user_id) from events where user_id like '%_@_%._%'")
    assert isinstance(n, int) and n > 5
    odd = one(
        con,
        "select count(distinct user_id) from events where user_id like '%@%' "
        "and (user_id <> lower(user_id) or user_id <> trim(user_id))",
    )
    assert isinstance(odd, int) and odd > 0


def test_email_changes(con: duckdb.DuckDBPyConnection) -> None:
    n = one(
        con,
        """
        select count(*) from (
            select user_id from identifies
            where user_id is not null and email like '%@%'
            group by 1 having count(distinct lower(trim(email))) >= 2
        )
        """,
    )
    assert isinstance(n, int) and n > 3


def test_mixed_case_padded_empty_and_junk_emails(con: duckdb.DuckDBPyConnection) -> None:
    counts = con.execute(
        """
        select
            count(*) filter (where email like '%@%' and email <> lower(email)),
            count(*) filter (where email like '%@%' and email <> trim(email)),
            count(*) filter (where regexp_full_match(email, ' [A-Z][^ ]*@[A-Z0-9.]+ ')),
            count(*) filter (where email = ''),
            count(*) filter (where email in ('null', 'undefined', 'N/A', 'None')),
            count(*) filter (where email like '%@%')
        from identifies
        """
    ).fetchone()
    assert counts is not None
    mixed, padded, jane_style, empty, junk, total = counts
    assert mixed > 0.05 * total and padded > 0 and jane_style > 0
    assert empty > 0 and junk > 0
    # one address appears in several renderings
    renderings = one(
        con,
        """
        select max(n) from (
            select lower(trim(email)), count(distinct email) as n from identifies
            where email like '%@%' group by 1
        )
        """,
    )
    assert isinstance(renderings, int) and renderings >= 2


def test_formatted_and_too_short_phones(con: duckdb.DuckDBPyConnection) -> None:
    phones = [
        r[0] for r in con.execute("select phone from identifies where phone is not null").fetchall()
    ]
    assert any(re.fullmatch(r"\+1 \(\d{3}\) \d{3}-\d{4}", p) for p in phones)
    assert any(re.fullmatch(r"\d{3}\.\d{3}\.\d{4}", p) for p in phones)
    assert any(re.fullmatch(r"\d{3}-\d{3}-\d{4}", p) for p in phones)
    short = [p for p in phones if len(re.sub(r"\D", "", p)) < 7]
    assert short and len(short) < 0.1 * len(phones)
    # a person's number is written in several formats
    digits = {re.sub(r"\D", "", p)[-10:] for p in phones if len(re.sub(r"\D", "", p)) >= 10}
    assert len(digits) < len(set(phones))


def test_identifier_traits(con: duckdb.DuckDBPyConnection) -> None:
    ext_same, ext_crm, zendesk, stripe, stripe_camel = con.execute(
        """
        select
            count(*) filter (where external_id = user_id),
            count(*) filter (where external_id like 'crm-%'),
            count(zendesk_id),
            count(stripe_customer_id),
            count(*) filter (where "stripeCustomerId" is not null and stripe_customer_id is null)
        from identifies
        """
    ).fetchone()  # type: ignore[misc]
    assert ext_same > 0 and ext_crm > 0 and zendesk > 0 and stripe > 0 and stripe_camel > 0
    assert (
        one(con, "select count(*) from identifies where not stripe_customer_id like 'cus_%'") == 0
    )


def test_camel_case_first_name_column(con: duckdb.DuckDBPyConnection) -> None:
    camel = one(
        con, 'select count(*) from identifies where "firstName" is not null and first_name is null'
    )
    both = one(
        con,
        'select count(*) from identifies where "firstName" is not null and first_name is not null',
    )
    assert isinstance(camel, int) and camel > 0 and both == 0


def test_reserved_traits_present(con: duckdb.DuckDBPyConnection) -> None:
    for column in (
        "first_name", "last_name", "name", "username", "title", "gender", "age", "birthday",
        "created_at", "address_city", "address_country", "company_name", "company_id", "plan",
    ):  # fmt: skip
        n = one(con, f'select count("{column}") from identifies')
        assert isinstance(n, int) and n > 10, column
    assert (
        one(
            con,
            "select count(*) from identifies "
            "where not regexp_full_match(birthday, '\\d{4}-\\d{2}-\\d{2}')",
        )
        == 0
    )
    lo, hi = con.execute("select min(age), max(age) from identifies").fetchone()  # type: ignore[misc]
    assert 16 <= lo <= hi <= 80


def test_company_id_is_shared_by_many_persons(con: duckdb.DuckDBPyConnection) -> None:
    biggest = one(
        con,
        """
        select max(n) from (
            select company_id, count(distinct true_person) as n from identifies
            where company_id is not null group by 1
        )
        """,
    )
    assert isinstance(biggest, int) and biggest >= 10


def test_every_junk_id_appears(con: duckdb.DuckDBPyConnection) -> None:
    in_anon = {r[0] for r in con.execute("select distinct anonymous_id from events").fetchall()}
    in_user = {r[0] for r in con.execute("select distinct user_id from events").fetchall()}
    for junk in JUNK_IDS:
        assert junk in in_anon, repr(junk)
        assert junk in in_user, repr(junk)
    rate = one(
        con,
        "select avg(case when anonymous_id in ("
        + ", ".join(f"'{j}'" for j in JUNK_IDS)
        + ") then 1 else 0 end) from events",
    )
    assert isinstance(rate, float) and rate < 0.01


def test_exact_and_late_duplicates(con: duckdb.DuckDBPyConnection) -> None:
    exact, late = con.execute(
        """
        select count(*) filter (where n_rec = 1), count(*) filter (where n_rec > 1)
        from (
            select id, count(*) as n, count(distinct received_at) as n_rec from events
            group by id having count(*) > 1
        )
        """
    ).fetchone()  # type: ignore[misc]
    assert exact > 0 and late > 0
    # exact duplicates are whole identical rows
    whole = one(
        con,
        """
        select count(*) from (
            select id from tracks
            group by id, anonymous_id, user_id, "timestamp", received_at, event, true_person
            having count(*) = 2
        )
        """,
    )
    assert isinstance(whole, int) and whole > 0


def test_out_of_order_and_future_timestamps(con: duckdb.DuckDBPyConnection) -> None:
    ooo = one(
        con,
        """
        select count(*) from (
            select "timestamp" < lag("timestamp") over (
                partition by anonymous_id order by received_at, id) as earlier
            from events where anonymous_id is not null and length(anonymous_id) = 36
        ) where earlier
        """,
    )
    assert isinstance(ooo, int) and ooo > 20
    future = one(
        con, 'select count(*) from events where "timestamp" > received_at + interval 300 day'
    )
    total = one(con, "select count(*) from events")
    assert isinstance(future, int) and isinstance(total, int)
    assert 0 < future < 0.005 * total


def test_shared_devices_and_a_kiosk(con: duckdb.DuckDBPyConnection) -> None:
    sharing = dict(
        con.execute(
            """
            select anonymous_id, count(distinct true_person) from events
            where anonymous_id is not null and length(anonymous_id) = 36
                and anonymous_id <> '00000000-0000-0000-0000-000000000000'
            group by 1 having count(distinct true_person) > 1
            """
        ).fetchall()
    )
    assert 2 in sharing.values()  # two persons on one device
    kiosk = max(sharing.values())
    assert 40 <= kiosk <= 60  # the kiosk
    kiosk_users = one(
        con,
        "select count(distinct user_id) from identifies where anonymous_id = "
        "(select anonymous_id from events where length(anonymous_id) = 36 "
        "group by 1 order by count(distinct true_person) desc limit 1)",
    )
    assert isinstance(kiosk_users, int) and kiosk_users >= 40


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
