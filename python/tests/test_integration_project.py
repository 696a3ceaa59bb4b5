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

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_harness import PROJECT_DIR, dbt_executable

IT_DIR = PROJECT_DIR / "integration_tests"
PACKAGE_FILES = ("dbt_project.yml", "profiles.yml", "macros", "models", "seeds", "tests")
DEMO_SEEDS = (
    "demo_identifies",
    "demo_tracks",
    "demo_pages",
    "demo_expected_user_identifiers",
    "demo_expected_users",
)
EQUALITY_TESTS = ("expected_user_identifiers", "expected_users", "expected_identifies")


@dataclass
class Consumer:
    root: Path  # the copied package
    project: Path  # the copied integration_tests
    db_path: Path
    target: Path
    logs: Path

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("DBT_PROFILES_DIR", "DBT_PROJECT_DIR", "DBT_TARGET_PATH", "IDSTITCH_TARGET"):
            env.pop(name, None)
        env["IDSTITCH_IT_DUCKDB_PATH"] = str(self.db_path)
        env["IDSTITCH_DUCKDB_PATH"] = str(self.db_path.with_name("root.duckdb"))
        env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
        env["DO_NOT_TRACK"] = "1"
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        return env

    def dbt(
        self, *args: str, project: Path | None = None, target: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        project = project or self.project
        command: list[str] = [
            dbt_executable(),
            *args,
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--log-path",
            str(self.logs),
        ]
        if args[0] != "deps":
            command = [*command, "--target-path", str(target or self.target)]
        return subprocess.run(
            command,
            cwd=project,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )


def _copy_tree(tmp_path: Path) -> Consumer:
    root = tmp_path / "repo"
    root.mkdir()
    for name in PACKAGE_FILES:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            shutil.copy2(source, root / name)
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
        target=tmp_path / "target",
        logs=tmp_path / "logs",
    )


def _tail(proc: subprocess.CompletedProcess[str], lines: int = 60) -> str:
    return "\n".join((proc.stdout + "\n" + proc.stderr).strip().splitlines()[-lines:])


def _ok(proc: subprocess.CompletedProcess[str], what: str) -> None:
    assert proc.returncode == 0, f"{what} failed:\n{_tail(proc)}"


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> Consumer:
    built = _copy_tree(tmp_path_factory.mktemp("integration"))
    _ok(built.dbt("deps"), "dbt deps")
    # The raw tables must exist before the package stages them (source() has no
    # dependency on this project's seeds), as they would in a real warehouse.
    _ok(built.dbt("seed"), "dbt seed")
    _ok(built.dbt("build"), "dbt build")
    return built


def _run_results(consumer: Consumer) -> list[dict[str, Any]]:
    data = json.loads((consumer.target / "run_results.json").read_text())
    results: list[dict[str, Any]] = data["results"]
    return results


def _manifest(target: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((target / "manifest.json").read_text())
    return data


def test_local_package_installed_without_network(consumer: Consumer) -> None:
    installed = consumer.project / "dbt_packages" / "idstitch"
    assert installed.exists()
    root_project = (consumer.root / "dbt_project.yml").resolve()
    assert (installed / "dbt_project.yml").resolve() == root_project
    lock = (consumer.project / "package-lock.yml").read_text()
    assert "local: ../" in lock


def test_build_passes_with_every_equality_test(consumer: Consumer) -> None:
    results = _run_results(consumer)
    failed = [r["unique_id"] for r in results if r["status"] not in ("success", "pass")]
    assert failed == []
    ids = {r["unique_id"] for r in results}
    assert any(i.startswith("model.idstitch.users") for i in ids)
    assert any(i.startswith("model.idstitch.int_identifiers_clustered") for i in ids)
    for seed in EQUALITY_TESTS:
        assert any(
            i.startswith(f"test.idstitch_integration_tests.equal_rows_{seed}_") for i in ids
        ), f"no equality test ran for {seed}"
    prefix = "test.idstitch_integration_tests.equal_rows_expected_data_quality_"
    assert any(i.startswith(prefix) for i in ids)


def test_no_demo_seeds_in_consumer_warehouse(consumer: Consumer) -> None:
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
                "where table_schema = 'main' and table_name = 'users'"
            ).fetchall()
        }
    finally:
        con.close()
    assert [s for s in schemas if s.endswith("idstitch_raw")] == []
    assert raw_tables == {"identify_calls", "tracks", "pages"}
    assert "plan" in users_columns  # idstitch_passthrough_traits
    manifest = _manifest(consumer.target)
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
    target = consumer.target.with_name("target_broken")
    try:
        expected.write_text(original.replace(",pro\n", ",enterprise\n"))
        _ok(consumer.dbt("seed", "--select", "expected_users", target=target), "dbt seed")
        proc = consumer.dbt("test", "--select", "expected_users", target=target)
    finally:
        expected.write_text(original)
        _ok(consumer.dbt("seed", "--select", "expected_users", target=target), "dbt seed")
    assert proc.returncode != 0
    assert "FAIL 2 equal_rows_expected_users" in proc.stdout


def test_demo_seeds_default_on_when_idstitch_is_the_root(consumer: Consumer) -> None:
    """The same package files, run as the root project, still enable the demo."""
    target = consumer.target.with_name("target_root")
    proc = consumer.dbt(
        "ls", "--resource-type", "seed", "--output", "name", project=consumer.root, target=target
    )
    _ok(proc, "dbt ls (root)")
    listed = set(proc.stdout.split())
    assert set(DEMO_SEEDS) <= listed
    manifest = _manifest(target)
    node = manifest["nodes"]["model.idstitch.stg_idstitch__identifies"]
    assert "seed.idstitch.demo_identifies" in node["depends_on"]["nodes"]
    assert "test.idstitch.assert_demo_matches_expected" in manifest["nodes"]
    proc = consumer.dbt(
        "ls",
        "--resource-type",
        "seed",
        "--output",
        "name",
        "--vars",
        "{idstitch_demo_seeds: false}",
        project=consumer.root,
        target=target,
    )
    _ok(proc, "dbt ls (root, demo off)")
    assert set(DEMO_SEEDS).isdisjoint(set(proc.stdout.split()))
