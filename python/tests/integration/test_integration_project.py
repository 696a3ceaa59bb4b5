"""idstitch installed as a package: integration_tests/ builds and its outputs equal its seeds.

The package files and integration_tests/ are copied into a temporary tree with the same
layout (``<tmp>/repo`` = the package, ``<tmp>/repo/integration_tests`` = the consumer), so
``packages.yml: - local: ../`` is used exactly as written, ``dbt deps`` needs no network,
and nothing is written into the repository. The DuckDB file, target and log paths are
temporary as well.

Also checked: the bundled demo seeds stay out of the consumer's warehouse (no
``*_idstitch_raw`` schema, the seeds disabled in the consumer's manifest), while the same
package files as the root project still enable them by default.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_harness import copy_package
from dbt_runner import PROJECT_DIR, Dbt, DbtResult

IT_DIR = PROJECT_DIR / "integration_tests"
PACKAGE_FILES = ("dbt_project.yml", "profiles.yml", "macros", "models", "seeds", "tests")
DEMO_SEEDS = (
    "demo_identifies",
    "demo_tracks",
    "demo_pages",
    "demo_expected_user_identifiers",
    "demo_expected_users",
)
EQUALITY_TESTS = (
    "expected_user_identifiers",
    "expected_users",
    "expected_identifies",
    "expected_events",
)


@dataclass
class Consumer:
    root: Path  # the copied package
    project: Path  # the copied integration_tests
    db_path: Path
    runs: Path  # one work directory (target, logs) per dbt run
    counter: Iterator[int] = field(default_factory=itertools.count)

    def dbt(
        self,
        *args: str,
        project: Path | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> DbtResult:
        """``dbt <args>`` on the consumer (or ``project``) in a work directory of its own."""
        project = project or self.project
        dbt = Dbt(
            project_dir=project,
            env={
                "IDSTITCH_IT_DUCKDB_PATH": str(self.db_path),
                "IDSTITCH_DUCKDB_PATH": str(self.db_path.with_name("root.duckdb")),
            },
        )
        work = self.runs / f"{next(self.counter):02d}-{args[0]}"
        return dbt.run(args, work, variables, cwd=project)


def _copy_tree(tmp_path: Path) -> Consumer:
    root = tmp_path / "repo"
    root.mkdir()
    copy_package(root, PACKAGE_FILES)
    project = root / "integration_tests"
    shutil.copytree(
        IT_DIR,
        project,
        ignore=shutil.ignore_patterns(
            "target", "dbt_packages", "logs", "*.duckdb", "*.duckdb.wal", "package-lock.yml"
        ),
    )
    return Consumer(
        root=root,
        project=project,
        db_path=tmp_path / "consumer.duckdb",
        runs=tmp_path / "runs",
    )


@dataclass
class Built:
    consumer: Consumer
    build: DbtResult  # the consumer's `dbt build`


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    consumer = _copy_tree(tmp_path_factory.mktemp("integration"))
    consumer.dbt("deps").check()
    # The raw tables must exist before the package stages them (source() has no
    # dependency on this project's seeds), as they would in a real warehouse.
    consumer.dbt("seed").check()
    return Built(consumer, consumer.dbt("build").check())


@pytest.fixture(scope="module")
def consumer(built: Built) -> Consumer:
    return built.consumer


def _run_results(built: Built) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = built.build.json("run_results.json")["results"]
    return results


def test_local_package_installed_without_network(consumer: Consumer) -> None:
    installed = consumer.project / "dbt_packages" / "idstitch"
    assert installed.exists()
    root_project = (consumer.root / "dbt_project.yml").resolve()
    assert (installed / "dbt_project.yml").resolve() == root_project
    lock = (consumer.project / "package-lock.yml").read_text()
    assert "local: ../" in lock


def test_build_passes_with_every_equality_test(built: Built) -> None:
    results = _run_results(built)
    failed = [r["unique_id"] for r in results if r["status"] not in ("success", "pass")]
    assert failed == []
    ids = {r["unique_id"] for r in results}
    assert any(i.startswith("model.idstitch.idstitch__users") for i in ids)
    assert any(i.startswith("model.idstitch.int_idstitch__identifiers_clustered") for i in ids)
    for seed in EQUALITY_TESTS:
        assert any(
            i.startswith(f"test.idstitch_integration_tests.equal_rows_{seed}_") for i in ids
        ), f"no equality test ran for {seed}"
    prefix = "test.idstitch_integration_tests.equal_rows_expected_data_quality_"
    assert any(i.startswith(prefix) for i in ids)
    assert "test.idstitch_integration_tests.assert_no_person_merges" in ids


def test_no_demo_seeds_in_consumer_warehouse(built: Built) -> None:
    consumer = built.consumer
    con = duckdb.connect(str(consumer.db_path), read_only=True)
    try:
        schemas = {
            row[0]: row[1]
            for row in con.execute(
                "select table_schema, count(*) from information_schema.tables group by 1"
            ).fetchall()
        }
        raw_tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'segment_prod'"
            ).fetchall()
        }
        users_columns = {
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'main_idstitch' and table_name = 'users'"
            ).fetchall()
        }
    finally:
        con.close()
    assert [s for s in schemas if s.endswith("idstitch_raw")] == []
    assert raw_tables == {"identify_calls", "tracks", "pages"}
    assert "plan" in users_columns  # idstitch_passthrough_traits
    manifest = built.build.json("manifest.json")
    for seed in DEMO_SEEDS:
        assert f"seed.idstitch.{seed}" not in manifest["nodes"]
        assert f"seed.idstitch.{seed}" in manifest["disabled"]
    for table in ("identifies", "tracks", "pages"):
        node = manifest["nodes"][f"model.idstitch.stg_idstitch__{table}"]
        assert node["depends_on"]["nodes"] == [f"source.idstitch.idstitch.{table}"]
    assert manifest["sources"]["source.idstitch.idstitch.identifies"]["identifier"] == (
        "identify_calls"
    )


def test_equality_test_catches_a_wrong_expectation(consumer: Consumer) -> None:
    """The equality test is not vacuous: one changed expected value makes it fail."""
    expected = consumer.project / "seeds" / "expected" / "expected_users.csv"
    original = expected.read_text()
    assert ",pro\n" in original
    try:
        expected.write_text(original.replace(",pro\n", ",enterprise\n"))
        consumer.dbt("seed", "--select", "expected_users").check()
        proc = consumer.dbt("test", "--select", "expected_users")
    finally:
        expected.write_text(original)
        consumer.dbt("seed", "--select", "expected_users").check()
    assert proc.returncode != 0
    assert "FAIL 2 equal_rows_expected_users" in proc.stdout


def test_demo_seeds_only_when_asked_for(consumer: Consumer) -> None:
    """The demo seeds are off by default, even with idstitch as the root project; the var
    (with --vars, as `make demo` passes it) turns them, and the demo's checks, on."""
    proc = consumer.dbt(
        "ls", "--resource-type", "seed", "--output", "name", project=consumer.root
    ).check()
    assert set(DEMO_SEEDS).isdisjoint(set(proc.stdout.split()))
    assert "test.idstitch.assert_demo_matches_expected" not in proc.json("manifest.json")["nodes"]
    proc = consumer.dbt(
        "ls",
        "--resource-type",
        "seed",
        "--output",
        "name",
        project=consumer.root,
        variables={"idstitch_demo_seeds": True},
    ).check()
    assert set(DEMO_SEEDS) <= set(proc.stdout.split())
    manifest = proc.json("manifest.json")
    node = manifest["nodes"]["model.idstitch.stg_idstitch__identifies"]
    assert "seed.idstitch.demo_identifies" in node["depends_on"]["nodes"]
    assert "test.idstitch.assert_demo_matches_expected" in manifest["nodes"]
