"""idstitch as a citizen of someone else's dbt project (issue: a good citizen).

A consumer project is written into a temporary folder: its raw Segment tables live in its
target schema (``main``), it has models of its own named ``users``, ``identifies`` and
``pages``, and a docs home page of its own. It installs idstitch with the README's
``packages.yml`` snippet (the ``local:`` path pointed at a copy of this repository), then runs
``dbt deps``, ``dbt build`` and ``dbt docs generate``. Checked:

- the raw tables are untouched (same rows before and after);
- every relation idstitch builds is in the idstitch schemas, none in the target schema;
- every test of the idstitch package ran, and against idstitch's relations only;
- the docs home page is the consumer's; the package's overview is ``__idstitch__``;
- a consumer model built over one of idstitch's sources fails the build before anything is
  built, with a message naming both.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_harness import PROJECT_DIR, copy_package, run_dbt_command

PACKAGE_FILES = ("dbt_project.yml", "macros", "models", "seeds", "tests")
RAW_TABLES = ("identifies", "tracks", "pages")
IDSTITCH_SCHEMAS = {"main_idstitch", "main_idstitch_internal"}
PUBLISHED = {"users", "identifies", "user_identifiers", "idstitch_data_quality"}


def readme_packages_snippet() -> str:
    """The first ```yaml block of the README that declares `packages:`."""
    readme = (PROJECT_DIR / "README.md").read_text()
    for block in re.findall(r"```yaml\n(.*?)```", readme, flags=re.DOTALL):
        if re.search(r"^packages:", block, flags=re.MULTILINE):
            return block
    raise AssertionError("README.md has no ```yaml block with `packages:`")


def write_consumer(root: Path, clash_with_source: bool = False) -> Path:
    package = root / "idstitch"
    package.mkdir()
    copy_package(package, PACKAGE_FILES)
    project = root / "analytics"
    (project / "models").mkdir(parents=True)
    snippet = readme_packages_snippet()
    assert "local: ../idstitch" in snippet, snippet
    (project / "packages.yml").write_text(snippet)
    (project / "dbt_project.yml").write_text(
        "name: analytics\nversion: '1.0.0'\nconfig-version: 2\nprofile: analytics\n"
        "models:\n  analytics:\n    +materialized: table\n"
        + ("" if clash_with_source else "    +schema: marts\n")
        + "vars:\n  idstitch_source_schema: main\n"
    )
    (project / "profiles.yml").write_text(
        "analytics:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        f"      path: '{root / 'warehouse.duckdb'}'\n      schema: main\n      threads: 2\n"
        # the idstitch functions, as a profile ready for encryption has them
        "      plugins:\n        - module: idstitch.duckdb_plugin\n"
        "          config: {ensure_keystore: false}\n"
    )
    models = project / "models"
    (models / "users.sql").write_text("select 1 as user_key\n")
    (models / "identifies.sql").write_text("select 2 as identify_key\n")
    (models / "pages.sql").write_text("select 3 as page_key\n")
    (models / "overview.md").write_text(
        "{% docs __overview__ %}\n# Analytics of the consumer\n{% enddocs %}\n"
    )
    return project


def load_raw_tables(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(db_path))
    try:
        for table in RAW_TABLES:
            csv = PROJECT_DIR / "seeds" / f"demo_{table}.csv"
            con.execute(
                f"create table main.{table} as select * from read_csv(?, all_varchar = true)",
                [str(csv)],
            )
            for column in ("timestamp", "received_at"):
                con.execute(
                    f"alter table main.{table} alter {column} type timestamp "
                    f"using cast({column} as timestamp)"
                )
        return raw_rows(con)
    finally:
        con.close()


def raw_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: con.execute(f"select * from main.{table} order by all").fetchall()
        for table in RAW_TABLES
    }


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("consumer")
    project = write_consumer(root)
    before = load_raw_tables(root / "warehouse.duckdb")
    target = project / "target"
    run_dbt_command(["deps"], project_dir=project, target_path=target)
    run_dbt_command(["build"], project_dir=project, target_path=target)
    run_results = json.loads((target / "run_results.json").read_text())  # the build's
    run_dbt_command(["docs", "generate"], project_dir=project, target_path=target)
    manifest = json.loads((target / "manifest.json").read_text())
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        after = raw_rows(con)
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
    finally:
        con.close()
    return {
        "before": before,
        "after": after,
        "relations": relations,
        "manifest": manifest,
        "run_results": run_results,
    }


def test_raw_tables_untouched(consumer: dict[str, Any]) -> None:
    assert all(consumer["before"][table] for table in RAW_TABLES)
    assert consumer["after"] == consumer["before"]


def test_idstitch_relations_only_in_idstitch_schemas(consumer: dict[str, Any]) -> None:
    nodes = consumer["manifest"]["nodes"].values()
    built = [n for n in nodes if n["package_name"] == "idstitch" and n["resource_type"] == "model"]
    assert built
    assert {n["schema"] for n in built} == IDSTITCH_SCHEMAS
    published = {n["alias"] for n in built if n["schema"] == "main_idstitch"}
    assert published >= PUBLISHED
    in_main = {name for schema, name in consumer["relations"] if schema == "main"}
    assert in_main == set(RAW_TABLES), in_main
    consumer_schemas = {schema for schema, name in consumer["relations"] if name == "users"}
    assert consumer_schemas == {"main_marts", "main_idstitch"}
    # no demo seed of the package in the consumer's warehouse
    assert not any(schema.endswith("_idstitch_raw") for schema, _ in consumer["relations"])


def test_every_idstitch_test_ran_on_idstitch_relations(consumer: dict[str, Any]) -> None:
    nodes = consumer["manifest"]["nodes"]
    tests = {
        uid: n
        for uid, n in nodes.items()
        if n["resource_type"] == "test" and n["package_name"] == "idstitch"
    }
    assert len(tests) >= 10
    statuses = {r["unique_id"]: r["status"] for r in consumer["run_results"]["results"]}
    for uid, node in tests.items():
        assert statuses.get(uid) == "pass", (uid, statuses.get(uid))
        for dependency in node["depends_on"]["nodes"]:
            assert dependency.startswith(("model.idstitch.", "source.idstitch.")), (uid, dependency)
        compiled = node.get("compiled_code") or ""
        for schema, name in re.findall(r'"[^"]+"\."([^"]+)"\."([^"]+)"', compiled):
            assert schema in IDSTITCH_SCHEMAS or (schema, name) in {
                ("main", table) for table in RAW_TABLES
            }, (uid, schema, name)


def test_docs_home_page_is_the_consumers(consumer: dict[str, Any]) -> None:
    docs = consumer["manifest"]["docs"]
    assert "doc.analytics.__overview__" in docs
    assert "doc.idstitch.__overview__" not in docs
    assert "doc.idstitch.__idstitch__" in docs


def test_consumer_model_over_a_source_fails_before_building(tmp_path: Path) -> None:
    project = write_consumer(tmp_path, clash_with_source=True)
    before = load_raw_tables(tmp_path / "warehouse.duckdb")
    run_dbt_command(["deps"], project_dir=project, target_path=project / "target")
    failed = run_dbt_command(
        ["build"], project_dir=project, target_path=project / "target", check=False
    )
    # dbt's own error exit, not a crash of the process (134) on the way out
    assert failed.returncode in (1, 2), failed.returncode
    output = failed.stdout + failed.stderr
    assert "model.analytics.identifies" in output and "source `idstitch.identifies`" in output
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        assert raw_rows(con) == before
        # dbt creates the (empty) schemas before the hooks run; no relation is built
        built = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema <> 'main' or table_name not in ('identifies', 'tracks', 'pages')"
        ).fetchall()
    finally:
        con.close()
    assert built == []
