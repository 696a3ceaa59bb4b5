"""identity_links and ``idstitch explain`` on a small build whose links are known by hand.

The events (T0 + hours):

* i1 (identifies, 0h): anon-1, user u-1, email Jane@Example.com -> three links;
* t1 (tracks, 1h): anon-1, user u-1 -> the link u-1 / anon-1 again (2 events, first i1);
* i2 (identifies, 3h): anon-2, phone +1 415 555 7777;
* i3 (identifies, 4h): anon-2, email jane@example.com -> joins the phone's person to Jane;
* p1 (pages, 2h): anon-2 alone (no link);
* i4 (identifies, 5h): anon-9, user u-9, email not-an-email (junk) -> another person.

So Jane is one person of five identifiers, and the shortest chain from her phone to u-1
is phone -> anon-2 (i2) -> email (i3) -> u-1 (i1). The same events build encrypted (values
protected like user_identifiers, explain through the master key), and a forgotten person
leaves no link.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dbt_harness import RAW_SCHEMA, DbtRun, read_table, write_raw_tables
from dbt_runner import Dbt

from idstitch import privacy
from idstitch.cli import main
from idstitch.crypto import generate_master_key, identifier_hash, parse_master_key
from idstitch.keystore import attach_keystore, load_index_key

T0 = datetime(2024, 3, 1, 12, 0)
SCHEMA = "main_idstitch"
PHONE = "+14155557777"


def _event(event_id: str, hours: int, **columns: str) -> dict[str, Any]:
    at = T0 + timedelta(hours=hours)
    return {"id": event_id, "timestamp": at, "received_at": at, **columns}


TABLES: dict[str, list[dict[str, Any]]] = {
    "identifies": [
        _event("i1", 0, anonymous_id="anon-1", user_id="u-1", email="Jane@Example.com"),
        _event("i2", 3, anonymous_id="anon-2", phone="+1 (415) 555-7777"),
        _event("i3", 4, anonymous_id="anon-2", email="jane@example.com"),
        _event("i4", 5, anonymous_id="anon-9", user_id="u-9", email="not-an-email"),
    ],
    "tracks": [_event("t1", 1, anonymous_id="anon-1", user_id="u-1", event="Viewed")],
    "pages": [_event("p1", 2, anonymous_id="anon-2", name="Home")],
}
JANE = "email:jane@example.com"
# (first identifier, second identifier, event table, event id, first linked, event count),
# each pair in identifier order (external_id > email > phone > anonymous_id)
EXPECTED_LINKS = {
    (("external_id", "u-1"), ("email", "jane@example.com"), "identifies", "i1", 0, 1),
    (("external_id", "u-1"), ("anonymous_id", "anon-1"), "identifies", "i1", 0, 2),
    (("email", "jane@example.com"), ("anonymous_id", "anon-1"), "identifies", "i1", 0, 1),
    (("phone", PHONE), ("anonymous_id", "anon-2"), "identifies", "i2", 3, 1),
    (("email", "jane@example.com"), ("anonymous_id", "anon-2"), "identifies", "i3", 4, 1),
    (("external_id", "u-9"), ("anonymous_id", "anon-9"), "identifies", "i4", 5, 1),
}


def _links(db: Path) -> set[tuple[Any, ...]]:
    return {
        (
            (row["identifier_type"], row["identifier_value"]),
            (row["other_identifier_type"], row["other_identifier_value"]),
            row["event_table"],
            row["event_id"],
            int((row["first_linked_at"] - T0).total_seconds() // 3600),
            row["event_count"],
        )
        for row in read_table(db, "identity_links")
    }


def _build(db: Path, work: Path, env: dict[str, str] | None = None) -> DbtRun:
    write_raw_tables(db, TABLES)
    dbt = Dbt(env={"IDSTITCH_DUCKDB_PATH": str(db), **(env or {})})
    variables = {"idstitch_source_schema": RAW_SCHEMA, "idstitch_demo_seeds": False}
    command = ["build", "--exclude", "resource_type:seed", "resource_type:unit_test"]
    return DbtRun.of(db, dbt.run(command, work, variables)).check()


@pytest.fixture(scope="module")
def plain_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("links_plain")
    db = work / "db.duckdb"
    _build(db, work / "run")
    return db


def _explain(db: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["explain", "--db", str(db), "--schema", SCHEMA, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_identity_links_are_the_pairs_known_by_hand(plain_db: Path) -> None:
    assert _links(plain_db) == EXPECTED_LINKS
    persons = {row["person_id"] for row in read_table(plain_db, "identity_links")}
    jane = {
        row["person_id"]
        for row in read_table(plain_db, "user_identifiers")
        if row["identifier_value"] in ("u-1", PHONE)
    }
    assert len(jane) == 1 and jane <= persons and len(persons) == 2


def test_an_event_makes_every_pair_of_its_identifiers(plain_db: Path) -> None:
    internal = read_table(plain_db, "int_idstitch__identifier_links", "main_idstitch_internal")
    # i1 carries three identifiers: three pairs, not the two edges of its star
    assert sum(1 for row in internal if row["first_event_id"] == "i1") == 3
    assert all(row["node_a"] < row["node_b"] for row in internal)
    assert {row["first_source_name"] for row in internal} == {"default"}
    assert len(internal) == len(EXPECTED_LINKS)


def test_explain_prints_the_person_and_the_chain_known_by_hand(
    plain_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _explain(
        plain_db,
        "phone:(415) 555-7777",
        "--to",
        "external_id:u-1",
        capsys=capsys,
    )
    assert code == 0, out
    assert "canonical id: external_id:u-1" in out
    assert "identifiers (5):" in out
    chain = out.split("shortest chains of events:")[1]
    assert "external_id:u-1: 3 links" in chain
    hops = [line.strip() for line in chain.splitlines() if "->" in line]
    assert hops == [
        f"phone:{PHONE} -> anonymous_id:anon-2",
        "anonymous_id:anon-2 -> email:jane@example.com",
        "email:jane@example.com -> external_id:u-1",
    ]
    firsts = [line.split("first linked by ")[1] for line in chain.splitlines() if "first" in line]
    assert [f.split(" at ")[0] for f in firsts] == [
        "identifies i2",
        "identifies i3",
        "identifies i1",
    ]

    code, out, _ = _explain(plain_db, "external_id:u-1", capsys=capsys)
    assert code == 0
    # by default one chain to each of the four other identifiers
    assert out.count(" to ") == 4 and "anonymous_id:anon-1: 1 link" in out
    assert "2 events in all" in out  # u-1 / anon-1 were linked by i1 and t1


def test_explain_between(plain_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _explain(
        plain_db, "--between", f"phone:{PHONE}", "anonymous_id:anon-1", capsys=capsys
    )
    assert code == 0 and out.startswith("same person:") and ": 3 links" in out

    code, out, _ = _explain(plain_db, "--between", JANE, "external_id:u-9", capsys=capsys)
    assert code == 1
    assert "never seen together in any event chain" in out

    code, out, _ = _explain(plain_db, "--between", JANE, "email:not-an-email", capsys=capsys)
    assert code == 1 and "'email:not-an-email' is not an identifier: not an email" in out

    code, out, _ = _explain(plain_db, "--between", JANE, "email:nobody@example.com", capsys=capsys)
    assert code == 1 and "email:nobody@example.com was never seen" in out


def test_explain_errors_are_clear(
    plain_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [
        (["phone:12"], "is not an identifier"),
        (["email:nobody@example.com"], "was never seen"),
        (["jane"], "identifier must be written type:value"),
        ([JANE, "--to", "external_id:u-9"], "is not an identifier of person"),
        ([JANE, "--between", "a:b", "c:d"], "not both"),
        ([], "give an identifier"),
    ]
    for args, message in cases:
        code, _, err = _explain(plain_db, *args, capsys=capsys)
        assert code == 2 and message in err, (args, err)
    code = main(["explain", "--db", str(tmp_path / "none.duckdb"), JANE])
    assert code == 2 and "no DuckDB file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    assert "--between" in capsys.readouterr().out


def test_encrypted_links_are_protected_and_explained_with_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = generate_master_key()
    db = tmp_path / "db.duckdb"
    _build(db, tmp_path / "run", {"IDSTITCH_ENCRYPT": "true", "IDSTITCH_MASTER_KEY": key})
    for name in [n for n in os.environ if n.startswith("IDSTITCH_")]:
        monkeypatch.delenv(name)
    with privacy.connect(db, read_only=True, master_key=parse_master_key(key)) as con:
        index_key = load_index_key(con, attach_keystore(con, read_only=True), parse_master_key(key))

    def hashed(kind: str, value: str) -> tuple[str, str]:
        return (
            kind,
            identifier_hash(index_key, kind, value) if kind in ("email", "phone") else value,
        )

    expected = {(hashed(*a), hashed(*b), *rest) for a, b, *rest in EXPECTED_LINKS}
    assert _links(db) == expected

    code, _, err = _explain(db, "--between", f"phone:{PHONE}", "external_id:u-1", capsys=capsys)
    assert code == 2 and "master key" in err
    monkeypatch.setenv("IDSTITCH_MASTER_KEY", key)
    code, out, _ = _explain(db, "--between", f"phone:{PHONE}", "external_id:u-1", capsys=capsys)
    assert code == 0 and ": 3 links" in out
    # typed values are shown in plain text, the others as their keyed hash
    assert f"phone:{PHONE} -> anonymous_id:anon-2" in out
    assert f"email:{hashed('email', 'jane@example.com')[1]}" in out

    # a forgotten person leaves no link after the next build
    assert (
        main(["forget", "--db", str(db), "--schema", SCHEMA, "--identifier", "external_id:u-9"])
        == 0
    )
    capsys.readouterr()
    _build(db, tmp_path / "again", {"IDSTITCH_ENCRYPT": "true", "IDSTITCH_MASTER_KEY": key})
    assert _links(db) == expected - {
        (("external_id", "u-9"), ("anonymous_id", "anon-9"), "identifies", "i4", 5, 1)
    }
    code, out, _ = _explain(
        db, "--between", "external_id:u-9", "anonymous_id:anon-9", capsys=capsys
    )
    assert code == 1 and "external_id:u-9 was never seen" in out
