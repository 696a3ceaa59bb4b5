"""`forget` finds every spelling the models stored, and forgets a large person in seconds.

Issue 16 item 7: Python and DuckDB lower-case differently (Turkish `İ`, Greek final
sigma), so `forget` normalised in Python missed emails the models had stored; and a
person with 20,002 identifiers took 116 s to forget (one insert per identifier). Now
the identifier given to `forget` is normalised by DuckDB with the models' functions,
and the suppressions go in with one statement.

One encrypted build of raw tables written here (no demo seeds): persons with Turkish,
Greek, NFD and zero-width-padded emails, and one person with 20,000 anonymous ids.
Tests that change data work on a copy of the build.
"""

from __future__ import annotations

import re
import time
import unicodedata
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_harness import OUTPUT_SCHEMA, PROJECT_DIR, RAW_SCHEMA, TABLE_NAMES, write_raw_tables
from dbt_runner import Dbt
from test_encrypted_build import KEYSTORE, copy_db, keystore_file, new_key_text

from idstitch import privacy
from idstitch.crypto import parse_master_key
from idstitch.privacy.identifiers import TRIMMED_CODE_POINTS

T0 = datetime(2024, 6, 1, 12, 0, 0)
BIG = 20_000  # anonymous ids of the large person, all identified as one user id

# anonymous id of the person -> (the spelling in the raw data, other spellings given to forget)
SPELLINGS: dict[str, tuple[str, list[str]]] = {
    # DuckDB lower-cases İ to i; Python to i + combining dot above
    "anon-tr-dotted": ("İLKER@Örnek.COM", ["ilker@örnek.com", "İlker@ÖRNEK.com"]),
    # the dotless i (U+0131) is its own letter: a different person
    "anon-tr-dotless": ("\u0131lker@örnek.com", ["\u0131LKER@örnek.com"]),
    # DuckDB lower-cases a final capital sigma to the plain small sigma; Python to the final one
    "anon-gr": ("ΣΟΦΙΑΣ@example.com", ["σοφιασ@example.com", "ΣοφιαΣ@EXAMPLE.COM"]),
    # stored in NFD, asked for in NFC and in NFD upper case
    "anon-nfd": (
        unicodedata.normalize("NFD", "Zoë@Example.com"),
        ["zoë@example.com", unicodedata.normalize("NFD", "ZOË@EXAMPLE.COM")],
    ),
    # padded with a zero-width space and a no-break space, asked for with a word joiner
    "anon-zw": ("\u200bJane@Example.com\u00a0", ["jane@example.com", "\u2060JANE@example.com "]),
}
KEPT = "anon-kept"
# a person known by an international phone number, asked for in its national (UK) spelling
PHONE_PERSON, PHONE_STORED, PHONE_NATIONAL = "anon-phone", "+44 20 7946 0958", "020 7946 0958"


def _row(n: int, **values: Any) -> dict[str, Any]:
    at = T0 + timedelta(seconds=n)
    return {"id": f"msg-{n}", "timestamp": at, "received_at": at, **values}


def _tables() -> dict[str, list[dict[str, Any]]]:
    identifies = [
        _row(i, anonymous_id=anon, email=email)
        for i, (anon, (email, _)) in enumerate(SPELLINGS.items())
    ]
    identifies.append(_row(90, anonymous_id=KEPT, email="kept@example.com"))
    identifies.append(_row(91, anonymous_id=PHONE_PERSON, phone=PHONE_STORED))
    identifies += [
        _row(100 + i, anonymous_id=f"anon-big-{i}", user_id="big-user") for i in range(BIG)
    ]
    return {name: identifies if name == "identifies" else [] for name in TABLE_NAMES}


def _build(db: Path, work: Path, master_key: str) -> None:
    dbt = Dbt(
        env={
            "IDSTITCH_DUCKDB_PATH": str(db),
            "IDSTITCH_ENCRYPT": "true",
            "IDSTITCH_MASTER_KEY": master_key,
        }
    )
    variables = {"idstitch_source_schema": RAW_SCHEMA, "idstitch_demo_seeds": False}
    command = ["build", "--exclude", "resource_type:seed", "resource_type:unit_test"]
    dbt.run(command, work, variables).check()


@pytest.fixture(scope="module")
def master_key() -> str:
    return new_key_text()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, master_key: str) -> Path:
    work = tmp_path_factory.mktemp("forget_spellings")
    db = work / "built.duckdb"
    write_raw_tables(db, _tables())
    _build(db, work / "build", master_key)
    assert keystore_file(db).exists()
    return db


def _connect(db: Path, master_key: str, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    return privacy.connect(
        db,
        target_schema=OUTPUT_SCHEMA,
        read_only=read_only,
        master_key=parse_master_key(master_key),
    )


def _people(db: Path, master_key: str, *identifiers: str) -> list[str | None]:
    master = parse_master_key(master_key)
    with closing(_connect(db, master_key)) as con:
        return [privacy.lookup(con, i, master_key=master) for i in identifiers]


def _data_key_count(db: Path, master_key: str) -> int:
    with closing(_connect(db, master_key)) as con:
        row = con.execute(f"select count(*) from {KEYSTORE}.data_keys").fetchone()
    return int(row[0]) if row else 0


def test_the_trimmed_characters_are_the_models_list() -> None:
    macro = (PROJECT_DIR / "macros/cross_db/trim_whitespace.sql").read_text()
    body = macro.split("macro _trimmed_code_points", 1)[1].split("endmacro", 1)[0]
    listed = [int(n) for n in re.findall(r"\[([0-9, \n]+)\]", body)[0].split(",")]
    for start, stop in re.findall(r"range\(([0-9]+), ([0-9]+)\)", body):
        listed.extend(range(int(start), int(stop)))
    assert len(listed) > 20
    assert sorted(listed) == sorted(TRIMMED_CODE_POINTS)


def test_every_spelling_finds_its_person(built: Path, master_key: str) -> None:
    for anon, (stored, others) in SPELLINGS.items():
        person, *found = _people(
            built,
            master_key,
            f"anonymous_id:{anon}",
            f"email:{stored}",
            *(f"email:{o}" for o in others),
        )
        assert person is not None, anon
        assert found == [person] * (1 + len(others)), (anon, found)
    dotted, dotless = _people(
        built, master_key, "anonymous_id:anon-tr-dotted", "anonymous_id:anon-tr-dotless"
    )
    assert dotted != dotless, "the dotless i is a different letter: two persons"


def test_a_national_phone_is_read_in_the_country_given(built: Path, master_key: str) -> None:
    """The build read phones with var idstitch_default_phone_country's default (US); a
    national UK spelling is the same number only when read as British."""
    master = parse_master_key(master_key)
    (person,) = _people(built, master_key, f"anonymous_id:{PHONE_PERSON}")
    assert person is not None
    with closing(_connect(built, master_key)) as con:
        found = privacy.lookup(
            con, f"phone:{PHONE_NATIONAL}", master_key=master, default_phone_country="GB"
        )
        assert found == person
        with pytest.raises(privacy.PrivacyError, match="phone"):
            privacy.lookup(con, f"phone:{PHONE_NATIONAL}", master_key=master)


def test_forget_by_another_spelling_drops_the_person(
    built: Path, master_key: str, tmp_path: Path
) -> None:
    db = copy_db(built, tmp_path / "forget.duckdb")
    keys_before = _data_key_count(db, master_key)
    master = parse_master_key(master_key)
    with closing(_connect(db, master_key, read_only=False)) as con:
        for _, others in SPELLINGS.values():
            report = privacy.forget(con, f"email:{others[-1]}", master_key=master)
            assert report.keys_destroyed >= 1, report
    assert _data_key_count(db, master_key) == keys_before - len(SPELLINGS)
    _build(db, tmp_path / "rebuild", master_key)
    gone = _people(db, master_key, *(f"anonymous_id:{anon}" for anon in SPELLINGS))
    assert gone == [None] * len(SPELLINGS)
    assert _people(db, master_key, f"anonymous_id:{KEPT}")[0] is not None
    with closing(duckdb.connect(str(db), read_only=True)) as con:
        events = con.execute(f"select count(*) from {OUTPUT_SCHEMA}.identifies").fetchone()
    assert events == (2 + BIG,), "the forgotten persons' events are dropped, no other"


def test_forget_of_a_large_person_is_set_based(
    built: Path, master_key: str, tmp_path: Path
) -> None:
    db = copy_db(built, tmp_path / "big.duckdb")
    master = parse_master_key(master_key)
    with closing(_connect(db, master_key, read_only=False)) as con:
        started = time.monotonic()
        report = privacy.forget(con, "external_id:big-user", master_key=master)
        took = time.monotonic() - started
        suppressed = con.execute(f"select count(*) from {KEYSTORE}.suppressions").fetchone()
    print(f"forget of a person with {report.identifiers_suppressed} identifiers: {took:.2f} s")
    assert report.identifiers_suppressed >= BIG + 1
    assert suppressed == (report.identifiers_suppressed,)
    assert report.keys_destroyed >= 1
    assert took < 30, f"forget took {took:.1f} s"
