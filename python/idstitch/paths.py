"""Where the CLI finds things by default: the DuckDB file, written once for every command."""

from __future__ import annotations

import os
from pathlib import Path

#: the DuckDB file dbt's profile writes to unless IDSTITCH_DUCKDB_PATH says otherwise
DEFAULT_DB = "idstitch.duckdb"
#: the help text of every ``--db`` option
DB_HELP = f"DuckDB file (default: $IDSTITCH_DUCKDB_PATH or {DEFAULT_DB})"


def default_db_path() -> Path:
    """``$IDSTITCH_DUCKDB_PATH``, else ``idstitch.duckdb`` (as dbt's profile uses)."""
    return Path(os.environ.get("IDSTITCH_DUCKDB_PATH") or DEFAULT_DB)


#: where the profile's default target (schema ``main``) publishes the marts: the package's
#: ``+schema: idstitch`` appended by dbt
DEFAULT_OUTPUT_SCHEMA = "main_idstitch"

#: where ``idstitch report`` writes index.html and the charts
DEFAULT_REPORT_DIR = "idstitch_report"
