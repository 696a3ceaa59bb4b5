"""Per-person envelope encryption, forgetting and key rotation (issue 4), Python side.

The warehouse here is a small DuckDB file built by hand with the same SQL functions
the dbt models use (``idstitch_new_wrapped_key``, ``idstitch_encrypt``,
``idstitch_hmac``); one test runs a throwaway dbt project with the plugin.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from idstitch import cli, privacy
from idstitch.crypto import (
    KeyCache,
    MasterKeyError,
    MasterKeyMismatchError,
    TamperedCiphertextError,
    WrappedKeyError,
    decrypt_value,
    encrypt_value,
    generate_master_key,
    identifier_hash,
    key_id,
    parse_master_key,
    unwrap_index_key,
)
from idstitch.duckdb_plugin import configure
from idstitch.keystore import ensure_keystore
from idstitch.privacy import forgetting

MISSING_MESSAGE = (
    "master key missing (expected base64 of 32 bytes in IDSTITCH_MASTER_KEY or a file "
    "named by IDSTITCH_MASTER_KEY_FILE)"
)

# person -> plain attributes. person ids are what the models would give: md5 of the
# canonical identifier.
PEOPLE: list[dict[str, Any]] = [
    {
        "canonical": ("external_id", "u-1"),
        "email": "jane@example.com",
        "phone": "+15550100123",
        "external_id": "u-1",
        "first_name": "Jane",
        "last_name": "Doe",
        "anonymous_ids": ["a-1", "a-2"],
    },
    {
        "canonical": ("external_id", "u-2"),
        "email": "bob@example.com",
        "phone": None,
        "external_id": "u-2",
        "first_name": "Bob",
        "last_name": "",
        "anonymous_ids": ["a-3"],
    },
    {
        "canonical": ("email", "ann@example.com"),
        "email": "ann@example.com",
        "phone": "+4930123456",
        "external_id": None,
        "first_name": "Änn 🙂",
        "last_name": None,
        "anonymous_ids": ["a-4"],
    },
]
PERSONAL = ("canonical_id_value", "external_id", "email", "phone", "first_name", "last_name")
HASHED_TYPES = ("email", "phone")
# build_warehouse writes the marts to the file's main schema (not where dbt publishes them,
# <target>_idstitch), so privacy.connect and the CLI are told where they are.
MARTS = "main"


def pid(person: dict[str, Any]) -> str:
    kind, value = person["canonical"]
    return hashlib.md5(f"{kind}:{value}".encode()).hexdigest()


JANE, BOB, ANN = (pid(p) for p in PEOPLE)


def expected_users() -> dict[str, dict[str, Any]]:
    out = {}
    for p in PEOPLE:
        out[pid(p)] = {
            "person_id": pid(p),
            "canonical_id_type": p["canonical"][0],
            "canonical_id_value": p["canonical"][1],
            "external_id": p["external_id"],
            "email": p["email"],
            "phone": p["phone"],
            "first_name": p["first_name"],
            "last_name": p["last_name"],
            "identifier_count": sum(p[k] is not None for k in ("external_id", "email", "phone"))
            + len(p["anonymous_ids"]),
        }
    return out


def build_warehouse(con: duckdb.DuckDBPyConnection, ks: str) -> None:
    """raw people -> data keys -> encrypted users + hashed user_identifiers, in SQL."""
    rows = []
    for p in PEOPLE:
        rows.append(
            (
                pid(p),
                *p["canonical"],
                p["external_id"],
                p["email"],
                p["phone"],
                p["first_name"],
                p["last_name"],
            )
        )
    con.execute(
        "create table raw_people (person_id varchar, canonical_id_type varchar, "
        "canonical_id_value varchar, external_id varchar, email varchar, phone varchar, "
        "first_name varchar, last_name varchar)"
    )
    con.executemany("insert into raw_people values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    idents = []
    for p in PEOPLE:
        for kind in ("external_id", "email", "phone"):
            if p[kind] is not None:
                idents.append((pid(p), kind, p[kind]))
        idents.extend((pid(p), "anonymous_id", a) for a in p["anonymous_ids"])
    con.execute(
        "create table raw_identifiers (person_id varchar, identifier_type varchar, "
        "identifier_value varchar)"
    )
    con.executemany("insert into raw_identifiers values (?, ?, ?)", idents)
    # The hook the models run: one data key per person without one.
    con.execute(
        f"insert into {ks}.data_keys select p.person_id, idstitch_new_wrapped_key(p.person_id), "
        f"cast(timezone('UTC', now()) as timestamp) from (select distinct person_id from "
        f"raw_identifiers) as p anti join {ks}.data_keys as k on k.person_id = p.person_id"
    )
    enc = ",\n".join(
        f"idstitch_encrypt(k.wrapped_key, r.person_id, '{c}', r.{c}) as {c}" for c in PERSONAL
    )
    con.execute(
        f"create table users as select r.person_id, r.canonical_id_type, {enc}, "
        "(select count(*) from raw_identifiers i where i.person_id = r.person_id) "
        "as identifier_count "
        f"from raw_people as r inner join {ks}.data_keys as k on k.person_id = r.person_id "
        "order by r.person_id"
    )
    hashed = ", ".join(f"'{t}'" for t in HASHED_TYPES)
    con.execute(
        "create table user_identifiers as select i.person_id, i.identifier_type, "
        f"case when i.identifier_type in ({hashed}) then idstitch_hmac(ik.wrapped_key, "
        "i.identifier_type, i.identifier_value) else i.identifier_value end as identifier_value "
        f"from raw_identifiers as i cross join (select wrapped_key from {ks}.index_keys "
        "where key_name = 'identifier_index') as ik"
    )
    con.execute("drop table raw_people")
    con.execute("drop table raw_identifiers")


@pytest.fixture
def master(monkeypatch: pytest.MonkeyPatch) -> str:
    text = generate_master_key()
    monkeypatch.setenv("IDSTITCH_MASTER_KEY", text)
    for name in (
        "IDSTITCH_MASTER_KEY_FILE",
        "IDSTITCH_NEW_MASTER_KEY",
        "IDSTITCH_NEW_MASTER_KEY_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    return text


@pytest.fixture(params=["default-file", "separate-file"])
def warehouse(
    request: pytest.FixtureRequest, tmp_path: Path, master: str
) -> Iterator[tuple[Path, dict[str, Any]]]:
    db = tmp_path / "warehouse.duckdb"
    keystore_path = str(tmp_path / "keys.duckdb") if request.param == "separate-file" else None
    con = duckdb.connect(str(db))
    ks = configure(con, keystore_path=keystore_path)
    build_warehouse(con, ks)
    con.close()
    yield db, {"keystore_path": keystore_path}


def open_wh(warehouse: tuple[Path, dict[str, Any]], **kw: Any) -> duckdb.DuckDBPyConnection:
    db, opts = warehouse
    kw.setdefault("target_schema", MARTS)
    return privacy.connect(db, keystore_path=opts["keystore_path"], **kw)


def by_person(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["person_id"]: r for r in rows}


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    ks = privacy.resolve_location(con).keystore_schema
    out = {}
    for name in ("data_keys", "index_keys", "suppressions", "forget_log"):
        out[name] = con.execute(f"select * from {ks}.{name} order by all").fetchall()
    for name in ("users", "user_identifiers"):
        out[name] = con.execute(f"select * from {name} order by all").fetchall()
    return out


# ------------------------------------------------------------------------ round trip


def test_round_trip_through_sql_and_python(warehouse: tuple[Path, dict[str, Any]]) -> None:
    con = open_wh(warehouse)
    stored = con.execute("select * from users").fetchall()
    text = json.dumps(stored, default=str)
    for p in PEOPLE:  # nothing personal is stored in clear
        for field in ("email", "first_name", "phone"):
            if p[field]:
                assert p[field] not in text
    emails = [r[0] for r in con.execute("select email from users").fetchall()]
    assert len(emails) == 3 and all(e.startswith("e1:") for e in emails)

    assert sorted(privacy.encrypted_columns(con, "users")) == sorted(PERSONAL)
    rows = by_person(privacy.read_users(con))
    expected = expected_users()
    assert set(rows) == set(expected)
    for person, want in expected.items():
        got = rows[person]
        for name, value in want.items():
            assert got[name] == value, (person, name)
    # The temporary view decrypts the same, row by row in SQL.
    view = con.execute("select * from users_decrypted").fetchall()
    names = [d[0] for d in con.execute("select * from users_decrypted limit 0").description]
    view_rows = by_person([dict(zip(names, r, strict=True)) for r in view])
    for person, want in expected.items():
        for name in PERSONAL:
            assert view_rows[person][name] == want[name]
    # Arrow output has the same content.
    table = privacy.read_users(con, as_arrow=True)
    assert sorted(table.column("email").to_pylist()) == sorted(p["email"] for p in PEOPLE)
    con.close()


def test_value_encryption_primitives() -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(os.urandom(32))
    for value in ["", "jane@example.com", "Änn 🙂", "x" * 5000]:
        text = encrypt_value(aead, "p1", "email", value)
        assert text is not None and text.startswith("e1:")
        assert decrypt_value(aead, "p1", "email", text) == value
    assert encrypt_value(aead, "p1", "email", None) is None
    assert decrypt_value(aead, "p1", "email", None) is None
    # Same value twice gives different ciphertexts (random nonce).
    assert encrypt_value(aead, "p1", "c", "v") != encrypt_value(aead, "p1", "c", "v")


def test_sql_functions_nulls_and_side_effects(master: str) -> None:
    con = duckdb.connect()
    configure(con)
    con.execute(
        "insert into idstitch_keystore.data_keys values "
        "('p1', idstitch_new_wrapped_key('p1'), now())"
    )
    key = con.execute("select wrapped_key from idstitch_keystore.data_keys").fetchone()
    assert key is not None
    wrapped = key[0]
    assert wrapped.startswith(f"k1:{key_id(base64.b64decode(master))}:")
    row = con.execute(
        "select idstitch_encrypt(?, 'p1', 'email', null), idstitch_decrypt(?, 'p1', 'email', null),"
        " idstitch_decrypt(null, 'p1', 'email', idstitch_encrypt(?, 'p1', 'email', 'x')),"
        " idstitch_decrypt(?, 'p1', 'email', idstitch_encrypt(?, 'p1', 'email', ''))",
        [wrapped] * 5,
    ).fetchone()
    assert row == (None, None, None, "")
    # Non-deterministic key generation is not folded or deduplicated.
    distinct = con.execute(
        "select count(distinct idstitch_new_wrapped_key('same')) from range(5)"
    ).fetchone()
    assert distinct == (5,)
    # A value for a person without a key is an error, not a silent NULL.
    with pytest.raises(duckdb.Error, match="has no data key"):
        con.execute("select idstitch_encrypt(null, 'p2', 'email', 'secret-value')").fetchall()
    # A wrapped key copied to another person does not unwrap.
    with pytest.raises(duckdb.Error, match="does not unwrap") as info:
        con.execute("select idstitch_encrypt(?, 'p2', 'email', 'secret-value')", [wrapped])
    assert "secret-value" not in str(info.value)
    con.close()


# ----------------------------------------------------------------- tamper detection


def test_ciphertext_swapped_between_rows_fails(warehouse: tuple[Path, dict[str, Any]]) -> None:
    con = open_wh(warehouse)
    con.execute(
        "update users set email = (select email from users where person_id = ?) "
        "where person_id = ?",
        [BOB, JANE],
    )
    with pytest.raises(TamperedCiphertextError) as info:
        privacy.read_users(con)
    assert info.value.column == "email"
    assert info.value.person_id == JANE
    assert "bob@example.com" not in str(info.value)
    with pytest.raises(duckdb.Error, match=r"TamperedCiphertextError.*'email'"):
        con.execute("select * from users_decrypted").fetchall()
    con.close()


def test_ciphertext_swapped_between_columns_fails(warehouse: tuple[Path, dict[str, Any]]) -> None:
    con = open_wh(warehouse)
    con.execute("update users set first_name = email where person_id = ?", [ANN])
    with pytest.raises(TamperedCiphertextError) as info:
        privacy.read_users(con)
    assert info.value.column == "first_name"
    assert "ann@example.com" not in str(info.value)
    con.close()


@pytest.mark.parametrize("damage", ["flip", "truncate", "plain"])
def test_tampered_ciphertext_fails(warehouse: tuple[Path, dict[str, Any]], damage: str) -> None:
    con = open_wh(warehouse)
    row = con.execute("select email from users where person_id = ?", [JANE]).fetchone()
    assert row is not None
    text: str = row[0]
    raw = bytearray(base64.b64decode(text[3:]))
    if damage == "flip":
        raw[-1] ^= 0x01
        bad = "e1:" + base64.b64encode(bytes(raw)).decode()
    elif damage == "truncate":
        bad = "e1:" + base64.b64encode(bytes(raw[:20])).decode()
    else:
        bad = "jane@evil.example"
    con.execute("update users set email = ? where person_id = ?", [bad, JANE])
    with pytest.raises(TamperedCiphertextError) as info:
        privacy.read_users(con)
    assert info.value.column == "email"
    assert "jane@" not in str(info.value)
    with pytest.raises(duckdb.Error, match="TamperedCiphertextError"):
        con.execute("select email from users_decrypted").fetchall()
    con.close()


def test_copied_wrapped_key_is_rejected(warehouse: tuple[Path, dict[str, Any]]) -> None:
    con = open_wh(warehouse)
    ks = privacy.resolve_location(con).keystore_schema
    con.execute(
        f"update {ks}.data_keys set wrapped_key = (select wrapped_key from {ks}.data_keys "
        "where person_id = ?) where person_id = ?",
        [BOB, JANE],
    )
    with pytest.raises(WrappedKeyError, match="does not unwrap"):
        privacy.read_users(con)
    con.close()


# ------------------------------------------------------------------------ master key


def test_wrong_master_key_fails_cleanly(
    warehouse: tuple[Path, dict[str, Any]], master: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = generate_master_key()
    monkeypatch.setenv("IDSTITCH_MASTER_KEY", other)
    con = open_wh(warehouse)
    want = (
        f"master key does not match the key store (key id {key_id(base64.b64decode(other))}, "
        f"store uses {key_id(base64.b64decode(master))})"
    )
    with pytest.raises(MasterKeyMismatchError) as info:
        privacy.read_users(con)
    message = str(info.value)
    assert message == want
    for secret in [other, master, *(p["email"] for p in PEOPLE)]:
        assert secret not in message
    with pytest.raises(duckdb.Error, match="does not match the key store"):
        con.execute("select email from users_decrypted").fetchall()
    with pytest.raises(MasterKeyMismatchError):
        privacy.forget(con, "email:jane@example.com")
    con.close()


def test_missing_and_invalid_master_key_messages(
    warehouse: tuple[Path, dict[str, Any]], master: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IDSTITCH_MASTER_KEY")
    con = open_wh(warehouse)
    with pytest.raises(MasterKeyError) as info:
        privacy.read_users(con)
    assert str(info.value) == MISSING_MESSAGE
    with pytest.raises(duckdb.Error, match="master key missing"):
        con.execute("select email from users_decrypted").fetchall()
    con.close()

    bad_inputs = {
        "not base64 at all!!": "not base64",
        base64.b64encode(b"k" * 16).decode(): "decodes to 16 bytes",
    }
    for text, reason in bad_inputs.items():
        monkeypatch.setenv("IDSTITCH_MASTER_KEY", text)
        with pytest.raises(MasterKeyError) as bad:
            privacy.read_users(open_wh(warehouse))
        assert reason in str(bad.value)
        assert "IDSTITCH_MASTER_KEY_FILE" in str(bad.value)
        assert text not in str(bad.value)


def test_master_key_from_file(
    warehouse: tuple[Path, dict[str, Any]],
    master: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "master.key"
    key_file.write_text(master + "\n")
    monkeypatch.delenv("IDSTITCH_MASTER_KEY")
    monkeypatch.setenv("IDSTITCH_MASTER_KEY_FILE", str(key_file))
    con = open_wh(warehouse)
    rows = by_person(privacy.read_users(con))
    assert rows[JANE]["email"] == "jane@example.com"
    assert con.execute(
        "select email from users_decrypted where person_id = ?", [BOB]
    ).fetchone() == ("bob@example.com",)
    # Both set: ambiguous, refused.
    monkeypatch.setenv("IDSTITCH_MASTER_KEY", master)
    with pytest.raises(MasterKeyError, match="both IDSTITCH_MASTER_KEY and"):
        privacy.read_users(con)
    monkeypatch.delenv("IDSTITCH_MASTER_KEY")
    # Unreadable file: the path is named, nothing else.
    monkeypatch.setenv("IDSTITCH_MASTER_KEY_FILE", str(tmp_path / "nope.key"))
    with pytest.raises(MasterKeyError, match="cannot read the file named by"):
        privacy.read_users(con)
    con.close()


def test_master_key_repr_hides_key() -> None:
    text = generate_master_key()
    key = parse_master_key(text)
    assert text not in repr(key) and text not in str(key)
    assert key.key_id in repr(key)
    assert repr(base64.b64decode(text)) not in repr(key)


# -------------------------------------------------------------------------- lookups


def test_hmac_lookup(warehouse: tuple[Path, dict[str, Any]], master: str) -> None:
    con = open_wh(warehouse)
    ks = privacy.resolve_location(con).keystore_schema
    wrapped = con.execute(f"select wrapped_key from {ks}.index_keys").fetchone()
    assert wrapped is not None
    index_key = unwrap_index_key(parse_master_key(master), wrapped[0])
    stored = dict(
        con.execute(
            "select identifier_value, person_id from user_identifiers "
            "where identifier_type = 'email'"
        ).fetchall()
    )
    assert stored == {identifier_hash(index_key, "email", p["email"]): pid(p) for p in PEOPLE}
    assert all(len(h) == 67 and h.startswith("h1:") for h in stored)

    assert privacy.lookup(con, "email:  Jane@Example.COM ") == JANE
    assert privacy.lookup(con, "phone:+1 (555) 010-0123") == JANE
    assert privacy.lookup(con, "phone:+49.30.123456") == ANN
    assert privacy.lookup(con, "external_id: u-2") == BOB  # plain type
    assert privacy.lookup(con, "anonymous_id:a-4") == ANN
    assert privacy.lookup(con, "email:nobody@example.com") is None
    with pytest.raises(privacy.PrivacyError, match="unknown identifier type"):
        privacy.lookup(con, "shoe_size:42")
    with pytest.raises(privacy.PrivacyError, match="not a phone number"):
        privacy.lookup(con, "phone:123")
    con.close()


# --------------------------------------------------------------------------- forget


def test_forget_makes_backup_unreadable(warehouse: tuple[Path, dict[str, Any]]) -> None:
    con = open_wh(warehouse)
    con.execute("create table users_backup as select * from users")
    before = by_person(privacy.read_table(con, "users_backup"))
    assert before[JANE]["email"] == "jane@example.com"

    report = privacy.forget(con, "email:  JANE@example.com ")
    assert report.person_id == JANE
    assert report.key_destroyed and report.keys_destroyed == 1
    assert report.identifiers_suppressed == 5  # external_id, email, phone, 2 anonymous ids
    assert not report.already_forgotten

    ks = privacy.resolve_location(con).keystore_schema
    assert con.execute(
        f"select count(*) from {ks}.data_keys where person_id = ?", [JANE]
    ).fetchone() == (0,)
    after = by_person(privacy.read_table(con, "users_backup"))
    for name in PERSONAL:
        assert after[JANE][name] is None
    assert after[JANE]["identifier_count"] == before[JANE]["identifier_count"]
    for other in (BOB, ANN):
        assert after[other] == before[other]
    # The row-by-row SQL view agrees: NULL for the forgotten person.
    privacy.create_decrypted_view(con, "users_backup")
    assert con.execute(
        "select email from users_backup_decrypted where person_id = ?", [JANE]
    ).fetchone() == (None,)
    assert privacy.rows_without_key(con, "users_backup") == (1, 3)

    suppressed = con.execute(
        f"select identifier_hash, identifier_type, person_id from {ks}.suppressions"
    ).fetchall()
    assert len(suppressed) == 5
    assert {t for _, t, _ in suppressed} == {"external_id", "email", "phone", "anonymous_id"}
    dump = json.dumps(con.execute(f"select * from {ks}.suppressions").fetchall(), default=str)
    for plain in ("jane", "u-1", "a-1", "a-2", "15550100123"):
        assert plain not in dump
    hashes_now = {
        row[0]
        for row in con.execute(
            "select identifier_value from user_identifiers where person_id = ? "
            "and identifier_type in ('email', 'phone')",
            [JANE],
        ).fetchall()
    }
    assert hashes_now <= {h for h, _, _ in suppressed}
    assert con.execute(
        f"select person_id, identifiers_suppressed from {ks}.forget_log"
    ).fetchall() == [(JANE, 5)]

    # Again before a rebuild: reported as already forgotten, nothing more to destroy.
    again = privacy.forget(con, "external_id:u-1")
    assert again.already_forgotten and again.keys_destroyed == 0
    # After a rebuild the person is gone from user_identifiers: still recognised.
    con.execute("delete from user_identifiers where person_id = ?", [JANE])
    gone = privacy.forget(con, "phone:1 555 0100 123")
    assert gone.already_forgotten and gone.person_id == JANE and gone.identifiers_suppressed == 0
    con.close()


@pytest.mark.parametrize("failing_step", ["_suppress", "_write_forget_log"])
def test_forget_is_all_or_nothing(
    warehouse: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch, failing_step: str
) -> None:
    con = open_wh(warehouse)
    before = snapshot(con)
    real = getattr(forgetting, failing_step)

    def half_then_fail(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)  # the step's own writes happen, then the process "dies"
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(forgetting, failing_step, half_then_fail)
    with pytest.raises(RuntimeError, match="simulated crash"):
        privacy.forget(con, "email:jane@example.com")
    assert snapshot(con) == before
    assert by_person(privacy.read_users(con))[JANE]["email"] == "jane@example.com"
    monkeypatch.setattr(forgetting, failing_step, real)
    assert privacy.forget(con, "email:jane@example.com").keys_destroyed == 1
    assert snapshot(con) != before
    con.close()


def test_forget_unknown_identifier_changes_nothing(
    warehouse: tuple[Path, dict[str, Any]],
) -> None:
    con = open_wh(warehouse)
    before = snapshot(con)
    with pytest.raises(privacy.UnknownIdentifierError, match="no person has the identifier") as e:
        privacy.forget(con, "email:nobody@example.com")
    assert "nobody" not in str(e.value)
    with pytest.raises(privacy.PrivacyError, match="type:value"):
        privacy.forget(con, "jane@example.com")
    dry = privacy.forget(con, "email:jane@example.com", dry_run=True)
    assert dry.dry_run and dry.person_id == JANE and dry.keys_destroyed == 1
    assert dry.hashed_types == ("email", "phone")
    assert snapshot(con) == before
    con.close()


def test_stale_keys_of_earlier_person_ids(warehouse: tuple[Path, dict[str, Any]]) -> None:
    con = open_wh(warehouse)
    ks = privacy.resolve_location(con).keystore_schema
    # Jane's id while she was only anonymous, and a person that has since merged away.
    earlier = hashlib.md5(b"anonymous_id:a-1").hexdigest()
    merged = hashlib.md5(b"anonymous_id:gone").hexdigest()
    con.execute(
        f"insert into {ks}.data_keys select p, idstitch_new_wrapped_key(p), now() "
        "from unnest([?, ?]) as t(p)",
        [earlier, merged],
    )
    assert privacy.prune_orphan_keys(con, dry_run=True) == 2
    report = privacy.forget(con, "email:jane@example.com")
    assert report.keys_destroyed == 2  # current id and the computable earlier one
    left = {r[0] for r in con.execute(f"select person_id from {ks}.data_keys").fetchall()}
    assert left == {BOB, ANN, merged}
    assert privacy.prune_orphan_keys(con) == 1
    left = {r[0] for r in con.execute(f"select person_id from {ks}.data_keys").fetchall()}
    assert left == {BOB, ANN}
    con.execute("delete from user_identifiers")
    with pytest.raises(privacy.PrivacyError, match="refusing to prune"):
        privacy.prune_orphan_keys(con)
    assert con.execute(f"select count(*) from {ks}.data_keys").fetchone() == (2,)
    con.close()


# ------------------------------------------------------------------------- rotation


def test_rotation_keeps_data_readable_under_new_key_only(
    warehouse: tuple[Path, dict[str, Any]], master: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = open_wh(warehouse)
    ks = privacy.resolve_location(con).keystore_schema
    before = by_person(privacy.read_users(con))
    users_before = con.execute("select * from users order by all").fetchall()
    idents_before = con.execute("select * from user_identifiers order by all").fetchall()
    old = parse_master_key(master)
    new_text = generate_master_key()
    new = parse_master_key(new_text)

    report = privacy.rotate_master_key(con, old, new)
    assert (report.old_key_id, report.new_key_id) == (old.key_id, new.key_id)
    assert (report.data_keys, report.index_keys) == (3, 1)
    ids = con.execute(
        f"select distinct split_part(wrapped_key, ':', 2) from (select wrapped_key from "
        f"{ks}.data_keys union all select wrapped_key from {ks}.index_keys)"
    ).fetchall()
    assert ids == [(new.key_id,)]
    # Data and hashes untouched.
    assert con.execute("select * from users order by all").fetchall() == users_before
    assert con.execute("select * from user_identifiers order by all").fetchall() == idents_before

    with pytest.raises(MasterKeyMismatchError):
        privacy.read_users(con)  # env still holds the old key
    with pytest.raises(MasterKeyMismatchError):
        privacy.read_users(con, master_key=old)
    assert by_person(privacy.read_users(con, master_key=new)) == before
    monkeypatch.setenv("IDSTITCH_MASTER_KEY", new_text)
    assert by_person(privacy.read_users(con)) == before
    assert con.execute(
        "select email from users_decrypted where person_id = ?", [ANN]
    ).fetchone() == ("ann@example.com",)
    assert privacy.lookup(con, "email:bob@example.com") == BOB
    # Rotating from the old key again is refused (the store moved on).
    with pytest.raises(MasterKeyMismatchError):
        privacy.rotate_master_key(con, old, parse_master_key(generate_master_key()))
    con.close()


def test_rotation_verifies_every_key_before_writing(
    warehouse: tuple[Path, dict[str, Any]], master: str
) -> None:
    con = open_wh(warehouse)
    ks = privacy.resolve_location(con).keystore_schema
    row = con.execute(
        f"select wrapped_key from {ks}.data_keys where person_id = ?", [ANN]
    ).fetchone()
    assert row is not None
    prefix, body = row[0].rsplit(":", 1)
    raw = bytearray(base64.b64decode(body))
    raw[20] ^= 0xFF
    con.execute(
        f"update {ks}.data_keys set wrapped_key = ? where person_id = ?",
        [prefix + ":" + base64.b64encode(bytes(raw)).decode(), ANN],
    )
    before = snapshot(con)
    with pytest.raises(WrappedKeyError):
        privacy.rotate_master_key(
            con, parse_master_key(master), parse_master_key(generate_master_key())
        )
    assert snapshot(con) == before
    con.close()


# ------------------------------------------------------------------------------ CLI


def test_cli_decrypt_forget_rotate(
    warehouse: tuple[Path, dict[str, Any]],
    master: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    db, opts = warehouse
    base = ["--db", str(db), "--schema", MARTS]
    if opts["keystore_path"]:
        base += ["--keystore-path", opts["keystore_path"]]

    assert cli.main(["decrypt", *base, "--format", "json"]) == 0
    out = capsys.readouterr()
    rows = by_person(json.loads(out.out))
    assert rows[JANE]["email"] == "jane@example.com"
    assert rows[ANN]["first_name"] == "Änn 🙂"
    assert master not in out.out + out.err

    out_file = tmp_path / "users.csv"
    assert cli.main(["decrypt", *base, "--out", str(out_file)]) == 0
    assert "bob@example.com" in out_file.read_text()
    assert out_file.stat().st_mode & 0o077 == 0

    assert cli.main(["decrypt", *base, "--keystore-schema", "nowhere"]) == 2
    assert "no idstitch key store at" in capsys.readouterr().err

    assert cli.main(["forget", "--identifier", "email:nobody@example.com", *base]) == 2
    assert "no person has the identifier" in capsys.readouterr().err

    assert cli.main(["forget", "--identifier", "email:Jane@example.com", *base]) == 0
    out = capsys.readouterr()
    assert f"forgot person {JANE}" in out.out
    assert "identifiers suppressed: 5" in out.out

    assert cli.main(["decrypt", *base, "--format", "table"]) == 0
    out = capsys.readouterr()
    assert "jane@example.com" not in out.out and "bob@example.com" in out.out
    assert "1 of 3 rows have no data key" in out.err

    new_text = generate_master_key()
    monkeypatch.setenv("IDSTITCH_NEW_MASTER_KEY", new_text)
    assert cli.main(["rotate-master-key", *base]) == 0
    out = capsys.readouterr()
    assert "re-wrapped 2 data keys and 1 index key(s)" in out.out
    for secret in (master, new_text):
        assert secret not in out.out + out.err

    # Old key now: a clean error, exit 2, no traceback, no key material.
    assert cli.main(["decrypt", *base]) == 2
    err = capsys.readouterr().err
    assert "master key does not match the key store" in err
    assert "Traceback" not in err and master not in err
    monkeypatch.setenv("IDSTITCH_MASTER_KEY", new_text)
    monkeypatch.delenv("IDSTITCH_NEW_MASTER_KEY")
    assert cli.main(["decrypt", *base, "--format", "csv"]) == 0
    assert "ann@example.com" in capsys.readouterr().out

    monkeypatch.delenv("IDSTITCH_MASTER_KEY")
    assert cli.main(["forget", "--identifier", "email:bob@example.com", *base]) == 2
    assert MISSING_MESSAGE in capsys.readouterr().err


def test_keystore_is_idempotent_and_index_key_stable(
    master: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = duckdb.connect()
    ensure_keystore(con)
    first = con.execute("select wrapped_key from idstitch_keystore.index_keys").fetchall()
    ensure_keystore(con)
    configure(con)
    assert con.execute("select wrapped_key from idstitch_keystore.index_keys").fetchall() == first
    assert len(first) == 1
    cache = KeyCache()
    key = cache.index_key(parse_master_key(master), first[0][0])
    assert len(key) == 32
    # Without a master key the plugin still creates the tables (and no index key).
    other = duckdb.connect()
    monkeypatch.delenv("IDSTITCH_MASTER_KEY")
    configure(other)
    assert other.execute("select count(*) from idstitch_keystore.index_keys").fetchone() == (0,)
    with pytest.raises(duckdb.Error, match="no index key"):
        other.execute("select idstitch_hmac(null, 'email', 'x')").fetchall()
    con.close()
    other.close()


# ------------------------------------------------------------------------- dbt plugin

DBT_PROJECT = """
name: idstitch_plugin_check
version: "1.0"
config-version: 2
profile: idstitch_plugin_check
model-paths: ["models"]
on-run-start:
  - >-
    insert into idstitch_keystore.data_keys
    select p.person_id, idstitch_new_wrapped_key(p.person_id),
           cast(timezone('UTC', now()) as timestamp)
    from (select 'p' || range::varchar as person_id from range(4)) as p
    anti join idstitch_keystore.data_keys as k on k.person_id = p.person_id
"""

DBT_PROFILE = """
idstitch_plugin_check:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{path}"
      threads: 2
      plugins:
        - module: idstitch.duckdb_plugin
"""

DBT_SOURCES = """
version: 2
sources:
  - name: idstitch_keystore
    database: idstitch_keystore
    schema: main
    tables:
      - name: data_keys
      - name: index_keys
"""

DBT_MODEL = """
{{ config(materialized='table') }}
with people as (
    select 'p' || range::varchar as person_id,
           'user' || range::varchar || '@example.com' as email
    from range(4)
),
ik as (
    select wrapped_key from {{ source('idstitch_keystore', 'index_keys') }}
    where key_name = 'identifier_index'
)
select
    people.person_id,
    idstitch_encrypt(k.wrapped_key, people.person_id, 'email', people.email) as email,
    idstitch_hmac(ik.wrapped_key, 'email', people.email) as email_hash
from people
inner join {{ source('idstitch_keystore', 'data_keys') }} as k
    on k.person_id = people.person_id
cross join ik
"""


def test_dbt_plugin_registers_functions(tmp_path: Path, master: str) -> None:
    project = tmp_path / "dbt_project"
    (project / "models").mkdir(parents=True)
    db = tmp_path / "dbt.duckdb"
    (project / "dbt_project.yml").write_text(DBT_PROJECT)
    (project / "profiles.yml").write_text(DBT_PROFILE.format(path=db))
    (project / "models" / "sources.yml").write_text(DBT_SOURCES)
    (project / "models" / "people_encrypted.sql").write_text(DBT_MODEL)
    dbt = Path(sys.executable).parent / "dbt"
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    result = subprocess.run(
        [str(dbt), "build", "--project-dir", str(project), "--profiles-dir", str(project)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert master not in result.stdout + result.stderr

    con = privacy.connect(db, target_schema="main")  # the project's own schema
    rows = by_person(privacy.read_table(con, "people_encrypted"))
    assert {p: r["email"] for p, r in rows.items()} == {
        f"p{i}": f"user{i}@example.com" for i in range(4)
    }
    wrapped = con.execute("select wrapped_key from idstitch_keystore.index_keys").fetchone()
    assert wrapped is not None
    index_key = unwrap_index_key(parse_master_key(master), wrapped[0])
    assert {p: r["email_hash"] for p, r in rows.items()} == {
        f"p{i}": identifier_hash(index_key, "email", f"user{i}@example.com") for i in range(4)
    }
    con.close()
