"""Where the idstitch outputs are: the schema dbt built them in, read from the dbt
project's ``target/manifest.json``.

The ``users`` model of package ``idstitch`` anchors the lookup. It is matched on its
package and its alias (the relation name), never on the node name, so a model renamed
``idstitch__users`` that publishes as ``users`` is still found. An explicit schema wins;
without a usable manifest it is the package's default, ``<target schema>_idstitch`` with
the target schema from ``$IDSTITCH_DUCKDB_SCHEMA`` or ``main``, and the message says why.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE = "idstitch"
ANCHOR = "users"
FALLBACK_TARGET_SCHEMA = "main"  # paths.DEFAULT_OUTPUT_SCHEMA is this plus the suffix
# dbt's generate_schema_name appends the package's `+schema: idstitch` to the target schema
PUBLISHED_SUFFIX = "_idstitch"


@dataclass(frozen=True)
class OutputLocation:
    """The schema of the outputs and how it was found (``source``, for the message)."""

    schema: str
    source: str

    def message(self) -> str:
        return f"reading outputs from {self.schema} ({self.source})"


def manifest_path(project_dir: Path) -> Path:
    """``<project_dir>/target/manifest.json`` (``$DBT_TARGET_PATH`` instead of ``target``)."""
    return project_dir / (os.environ.get("DBT_TARGET_PATH") or "target") / "manifest.json"


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _anchor_node(manifest: dict[str, Any]) -> dict[str, Any] | None:
    for node in (manifest.get("nodes") or {}).values():
        if (
            node.get("resource_type") == "model"
            and node.get("package_name") == PACKAGE
            and (node.get("alias") or node.get("name")) == ANCHOR
        ):
            return dict(node)
    return None


def _fallback(reason: str) -> OutputLocation:
    target = os.environ.get("IDSTITCH_DUCKDB_SCHEMA")
    if target:
        return OutputLocation(target + PUBLISHED_SUFFIX, f"{reason}; $IDSTITCH_DUCKDB_SCHEMA")
    return OutputLocation(FALLBACK_TARGET_SCHEMA + PUBLISHED_SUFFIX, f"{reason}; the default")


def locate_outputs(
    db_path: str | Path, project_dir: str | Path = ".", schema: str | None = None
) -> OutputLocation:
    """The schema of the idstitch outputs in the DuckDB file ``db_path``.

    ``schema`` (an explicit ``--schema``) wins. Otherwise the manifest of the dbt project
    in ``project_dir`` names it, when it describes this database (dbt-duckdb names the
    database after the file: ``idstitch.duckdb`` is ``idstitch``).
    """
    if schema:
        return OutputLocation(schema, "--schema")
    path = manifest_path(Path(project_dir))
    shown = _shown(path)
    if not path.is_file():
        return _fallback(f"no {shown}")
    try:
        node = _anchor_node(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, AttributeError) as exc:
        return _fallback(f"cannot read {shown}: {exc}")
    if node is None or not node.get("schema"):
        return _fallback(f"no {PACKAGE} model {ANCHOR!r} in {shown}")
    database = node.get("database")
    expected = Path(db_path).stem
    if database and database != expected:
        return _fallback(f"{shown} is for database {database!r}, not {expected!r}")
    return OutputLocation(str(node["schema"]), shown)
