"""A source of var ``idstitch_sources`` given as models by ``ref`` (docs/contract.md, "Inputs").

The demo seeds are built twice: read as the default source (the sources file), and read as
one source named ``demo`` whose tables are ``{ref: demo_identifies}`` and so on, the way a
consumer points idstitch at its own staging models. dbt must build the referenced nodes
first, every model that introspects the raw columns must find them, and the persons must
be the same (compared as text: with the var set every trait is text).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from dbt_harness import DbtRun, run_dbt

DEMO_TABLES = ("identifies", "tracks", "pages")


def _build(tmp_path: Path, name: str, variables: dict[str, Any]) -> DbtRun:
    run = run_dbt(
        tmp_path / f"{name}.duckdb",
        tmp_path / name,
        variables={
            "idstitch_demo_seeds": True,
            "idstitch_source_schema": "main_idstitch_raw",
            **variables,
        },
        select_excludes=("resource_type:unit_test",),
    )
    assert run.ok, run.log_tail()
    return run


def _rows(run: DbtRun, table: str, drop: str | None = None) -> Counter[tuple[Any, ...]]:
    """The rows as text: with var idstitch_sources set every trait is read as text."""
    return Counter(
        tuple(sorted((k, None if v is None else str(v)) for k, v in row.items() if k != drop))
        for row in run.read(table)
    )


def test_a_source_of_models_by_ref_gives_the_same_persons(tmp_path: Path) -> None:
    default = _build(tmp_path, "default", {})
    tables = {table: {"ref": f"demo_{table}"} for table in DEMO_TABLES}
    by_ref = _build(tmp_path, "by_ref", {"idstitch_sources": [{"name": "demo", "tables": tables}]})

    assert _rows(by_ref, "users") == _rows(default, "users")
    assert _rows(by_ref, "user_identifiers") == _rows(default, "user_identifiers")
    assert _rows(by_ref, "events", drop="source_name") == _rows(default, "events", "source_name")
    assert {row["source_name"] for row in by_ref.read("events")} == {"demo"}
    assert {row["source_name"] for row in default.read("events")} == {"default"}
    # the source lists no screens and aliases: skipped for it, said in data quality
    skipped = {
        (row["table_name"], row["example_value"])
        for row in by_ref.read("idstitch_data_quality")
        if row["check_name"] == "table_skipped"
    }
    assert skipped == {("screens", "demo: not_found"), ("aliases", "demo: not_found")}
