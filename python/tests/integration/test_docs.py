"""``dbt docs generate`` documents everything: models, columns, macros (with arguments), vars.

The demo is built into a temporary DuckDB (``dbt seed`` + ``dbt run``, so the catalog sees
real tables with the demo's trait columns), then ``dbt docs generate`` writes manifest.json
and catalog.json into a temporary target. Checked from them:

- every idstitch model has a description;
- every column the catalog finds in an idstitch model is described in the manifest (the
  models' YAML);
- every public idstitch macro (not `_private`, not an engine variant `<engine>__name`) has
  a description, and documents exactly the arguments of its signature, each with a
  description (the macros' YAML);
- every ``var('...')`` of the package's SQL and YAML is in the one var table (the comments
  of dbt_project.yml's ``vars:`` block), which lists no other, and the ``__idstitch__``
  docs block (models/overview.md) holds that table's rendering (scripts/render_var_docs.py).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dbt_runner import PROJECT_DIR, Dbt

PACKAGE = "idstitch"
VAR_NAME = re.compile(r"\bidstitch_[a-z0-9_]+\b")
VAR_CALL = re.compile(r"""\bvar\(\s*['"](idstitch_[a-z0-9_]+)['"]""")
ENGINE_VARIANT = re.compile(r"^(default|duckdb|postgres|spark)__")
SIGNATURE = re.compile(
    r"\{%-?\s*(?:macro|test)\s+([A-Za-z_][A-Za-z0-9_]*)\s*\((.*?)\)\s*-?%\}", re.DOTALL
)


@dataclass
class Docs:
    manifest: dict[str, Any]
    catalog: dict[str, Any]
    target: Path


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Docs]:
    work = tmp_path_factory.mktemp("docs")
    dbt = Dbt(env={"IDSTITCH_DUCKDB_PATH": str(work / "docs.duckdb")})
    demo = {"idstitch_demo_seeds": True}
    dbt.run(["seed"], work / "seed", demo).check()
    dbt.run(["run"], work / "run", demo).check()
    generated = dbt.run(["docs", "generate"], work / "docs", demo).check()
    yield Docs(
        manifest=generated.json("manifest.json"),
        catalog=generated.json("catalog.json"),
        target=generated.target,
    )


def _models(docs: Docs) -> dict[str, dict[str, Any]]:
    return {
        uid: node
        for uid, node in docs.manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == PACKAGE
    }


def test_docs_site_generated(docs: Docs) -> None:
    assert (docs.target / "index.html").exists()
    assert not docs.catalog.get("errors")
    assert set(_models(docs)) <= set(docs.catalog["nodes"]), "models missing from the catalog"


def test_every_model_has_a_description(docs: Docs) -> None:
    models = _models(docs)
    assert len(models) >= 10
    missing = sorted(node["name"] for node in models.values() if not node["description"].strip())
    assert missing == [], f"models without description: {missing}"


def test_every_catalog_column_is_described(docs: Docs) -> None:
    missing: list[str] = []
    for uid, node in sorted(_models(docs).items()):
        described = {
            name.lower()
            for name, column in node["columns"].items()
            if column.get("description", "").strip()
        }
        for column in docs.catalog["nodes"][uid]["columns"].values():
            if column["name"].lower() not in described:
                missing.append(f"{node['name']}.{column['name']}")
    assert missing == [], "columns without description:\n  " + "\n  ".join(missing)


def _signature_arguments(macro_sql: str, name: str) -> list[str] | None:
    """Argument names of the macro's signature; None for a materialization."""
    for match in SIGNATURE.finditer(macro_sql):
        found = match.group(1)
        if found == name or f"test_{found}" == name:
            raw = match.group(2).strip()
            if not raw:
                return []
            names: list[str] = []
            depth, current = 0, ""
            for char in raw + ",":
                if char in "([{":
                    depth += 1
                elif char in ")]}":
                    depth -= 1
                if char == "," and depth == 0:
                    names.append(current.split("=")[0].strip())
                    current = ""
                else:
                    current += char
            return names
    return None


def test_every_macro_is_described_with_its_arguments(docs: Docs) -> None:
    macros = {
        m["name"]: m
        for m in docs.manifest["macros"].values()
        if m["package_name"] == PACKAGE
        and not m["name"].startswith("_")
        and not ENGINE_VARIANT.match(m["name"])
    }
    assert len(macros) >= 20
    problems: list[str] = []
    for name, macro in sorted(macros.items()):
        if not macro["description"].strip():
            problems.append(f"{name}: no description")
        expected = _signature_arguments(macro["macro_sql"], name)
        if expected is None:
            assert name.startswith("materialization_"), f"cannot read the signature of {name}"
            continue
        documented = [a["name"] for a in macro["arguments"]]
        if documented != expected:
            problems.append(f"{name}: arguments documented {documented}, signature {expected}")
        for argument in macro["arguments"]:
            if not (argument.get("description") or "").strip():
                problems.append(f"{name}: argument {argument['name']} has no description")
    assert problems == [], "macro docs:\n  " + "\n  ".join(problems)


def _var_table() -> Any:
    """scripts/render_var_docs.py: the var table of dbt_project.yml and its rendering."""
    spec = importlib.util.spec_from_file_location(
        "render_var_docs", PROJECT_DIR / "scripts" / "render_var_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _vars_read_by_the_package() -> set[str]:
    """Every var the package's SQL and YAML read."""
    found: set[str] = set()
    for folder in ("macros", "models", "tests", "seeds"):
        for path in (PROJECT_DIR / folder).rglob("*"):
            if path.suffix in (".sql", ".yml", ".yaml"):
                found |= set(VAR_CALL.findall(path.read_text()))
    found |= set(VAR_CALL.findall((PROJECT_DIR / "dbt_project.yml").read_text()))
    return found


def test_every_var_is_in_the_one_var_table_and_the_docs(docs: Docs) -> None:
    table = _var_table()
    variables = table.project_vars()
    listed = [v.name for v in variables]
    assert len(listed) == len(set(listed)), "a var is listed twice in dbt_project.yml"
    read = _vars_read_by_the_package()
    assert {"idstitch_max_rounds", "idstitch_source_schema", "idstitch_demo_seeds"} <= read
    missing = sorted(read - set(listed))
    assert missing == [], f"vars missing from dbt_project.yml's var table: {missing}"
    stale = sorted(set(listed) - read)
    assert stale == [], f"dbt_project.yml lists vars the package does not read: {stale}"
    assert all(v.meaning for v in variables), "a var without its meaning"
    overview = docs.manifest["docs"].get(f"doc.{PACKAGE}.__idstitch__")
    assert overview is not None, "no {% docs __idstitch__ %} block"
    assert table.render(variables) in overview["block_contents"], (
        "models/overview.md's var table is not the rendering of dbt_project.yml: "
        "run scripts/render_var_docs.py"
    )
