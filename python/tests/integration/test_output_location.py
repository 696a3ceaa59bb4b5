"""The CLI reads the outputs where the dbt project built them and says where it looked.

A real ``dbt build`` into a temporary DuckDB puts the outputs in a schema other than
``main`` (the profile's target schema is ``analytics``); ``summary`` and ``report`` find
them through the project's ``target/manifest.json``, print the schema on stderr, and an
explicit ``--schema`` wins. Without a usable manifest they fall back to the package's
default, ``<$IDSTITCH_DUCKDB_SCHEMA or main>_idstitch``, and say why.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from dbt_harness import write_raw_tables
from dbt_runner import Dbt

from idstitch.cli import main
from idstitch.outputs import locate_outputs

TARGET_SCHEMA = "analytics"
AT = datetime(2024, 5, 1, 8, 0, 0)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(project work dir holding target/manifest.json, DuckDB file, schema of ``users``)."""
    work = tmp_path_factory.mktemp("located")
    db = work / "warehouse.duckdb"
    identifies = [
        {"id": "i-1", "user_id": "u-1", "anonymous_id": "a-1", "email": "p1@example.com"},
        {"id": "i-2", "user_id": "u-2", "anonymous_id": "a-2", "email": "p2@example.com"},
    ]
    pages = [{"id": "p-1", "anonymous_id": "a-3"}]
    write_raw_tables(
        db,
        {
            "identifies": [{**row, "timestamp": AT} for row in identifies],
            "tracks": [],
            "pages": [{**row, "timestamp": AT} for row in pages],
        },
    )
    dbt = Dbt(env={"IDSTITCH_DUCKDB_PATH": str(db), "IDSTITCH_DUCKDB_SCHEMA": TARGET_SCHEMA})
    dbt.run(
        ["build", "--exclude", "resource_type:seed", "resource_type:unit_test"],
        work,
        {"idstitch_source_schema": "raw", "idstitch_demo_seeds": False},
    ).check()
    con = duckdb.connect(str(db), read_only=True)
    try:
        schemas = con.execute(
            "select table_schema from information_schema.tables where table_name = 'users'"
        ).fetchall()
    finally:
        con.close()
    assert len(schemas) == 1, schemas
    schema = str(schemas[0][0])
    # the outputs are not where the old default looked
    assert schema != "main" and schema.startswith(TARGET_SCHEMA)
    return work, db, schema


def summary(
    capsys: pytest.CaptureFixture[str], db: Path, project_dir: Path, *more: str
) -> tuple[int, pytest.CaptureResult[str]]:
    """``idstitch summary --db DB --project-dir PROJECT_DIR MORE...``: exit code and output."""
    code = main(["summary", "--db", str(db), "--project-dir", str(project_dir), *more])
    return code, capsys.readouterr()


@pytest.fixture(autouse=True)
def no_schema_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IDSTITCH_DUCKDB_SCHEMA", raising=False)
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)


def test_summary_reads_the_schema_the_manifest_names(
    built: tuple[Path, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    work, db, schema = built
    code, out = summary(capsys, db, work)
    assert code == 0
    assert f"(schema {schema})" in out.out
    assert "persons:            3 (2 known, 1 anonymous-only)" in out.out
    manifest = work / "target" / "manifest.json"
    assert f"idstitch summary: reading outputs from {schema} ({manifest})" in out.err


def test_the_working_directory_is_the_default_project(
    built: tuple[Path, Path, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    work, db, schema = built
    monkeypatch.chdir(work)
    assert main(["summary", "--db", str(db)]) == 0
    err = capsys.readouterr().err
    assert f"reading outputs from {schema} (target/manifest.json)" in err


def test_report_reads_the_schema_the_manifest_names(
    built: tuple[Path, Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work, db, schema = built
    out = tmp_path / "report"
    assert main(["report", "--db", str(db), "--project-dir", str(work), "--out", str(out)]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"report: querying {db} (schema {schema})…"
    assert lines[1].startswith(f"report: reading outputs from {schema} (")
    assert f"schema <code>{schema}</code>" in (out / "index.html").read_text(encoding="utf-8")


def test_an_explicit_schema_wins(
    built: tuple[Path, Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work, db, schema = built
    code, out = summary(capsys, db, work, "--schema", "main")
    assert code == 2
    err = out.err
    assert "reading outputs from main (--schema)" in err
    assert "no idstitch outputs in schema 'main'" in err

    elsewhere = tmp_path / "no_project"
    elsewhere.mkdir()
    code, out = summary(capsys, db, elsewhere, "--schema", schema)
    assert code == 0
    assert f"(schema {schema})" in out.out
    assert f"reading outputs from {schema} (--schema)" in out.err


def test_without_a_manifest_the_old_default_and_why(
    built: tuple[Path, Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _work, db, schema = built
    code, out = summary(capsys, db, tmp_path)
    assert code == 2
    err = out.err
    missing = tmp_path / "target" / "manifest.json"
    assert f"reading outputs from main_idstitch (no {missing}; the default)" in err
    assert "no idstitch outputs in schema 'main_idstitch'" in err

    monkeypatch.setenv("IDSTITCH_DUCKDB_SCHEMA", TARGET_SCHEMA)
    code, out = summary(capsys, db, tmp_path)
    assert code == 0
    err = out.err
    assert f"reading outputs from {schema} (no {missing}; $IDSTITCH_DUCKDB_SCHEMA)" in err


def test_a_manifest_of_another_database_is_not_used(
    built: tuple[Path, Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work, db, _schema = built
    copy = tmp_path / "other.duckdb"
    shutil.copyfile(db, copy)
    code, out = summary(capsys, copy, work)
    assert code == 2
    err = out.err
    assert "is for database 'warehouse', not 'other'; the default)" in err
    assert "reading outputs from main_idstitch (" in err


def test_the_package_model_is_found_by_alias_not_by_a_consumer_model(tmp_path: Path) -> None:
    """A consumer's own ``users`` model does not count; idstitch's model may be renamed
    (``idstitch__users``) as long as it publishes under the alias ``users``."""
    nodes = {
        "model.shop.users": {
            "resource_type": "model",
            "package_name": "shop",
            "name": "users",
            "alias": "users",
            "database": "warehouse",
            "schema": "main",
        },
        "model.idstitch.idstitch__users": {
            "resource_type": "model",
            "package_name": "idstitch",
            "name": "idstitch__users",
            "alias": "users",
            "database": "warehouse",
            "schema": "main_idstitch",
        },
        "seed.idstitch.users": {
            "resource_type": "seed",
            "package_name": "idstitch",
            "name": "users",
            "alias": "users",
            "database": "warehouse",
            "schema": "main_idstitch_raw",
        },
    }
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "manifest.json").write_text(json.dumps({"nodes": nodes}))
    location = locate_outputs(tmp_path / "warehouse.duckdb", tmp_path)
    assert location.schema == "main_idstitch"
    del nodes["model.idstitch.idstitch__users"]
    (tmp_path / "target" / "manifest.json").write_text(json.dumps({"nodes": nodes}))
    location = locate_outputs(tmp_path / "warehouse.duckdb", tmp_path)
    assert location.schema == "main_idstitch"
    assert "no idstitch model 'users' in" in location.source
