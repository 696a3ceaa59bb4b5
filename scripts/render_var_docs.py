"""Render the var table of dbt_project.yml into the docs site (models/overview.md).

dbt_project.yml holds the one table of the package's vars as comments in its `vars:`
block: `# <name> (default: ...)` then the meaning on `#   ` lines; a var with a value in
the block takes that value as its default. This script writes the table between the
markers of models/overview.md; `--check` exits 1 when the file is not up to date (the
tests call `render()` and compare).

    python scripts/render_var_docs.py [--check]
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OVERVIEW = ROOT / "models" / "overview.md"
START, END = "<!-- vars: rendered from dbt_project.yml -->", "<!-- vars: end -->"
HEAD = re.compile(r"^  # (idstitch_[a-z0-9_]+)(?: \(default: (.*)\))?$")
BODY = re.compile(r"^  #   (.*)$")


@dataclass
class Var:
    name: str
    default: str
    meaning: str


def project_vars(project_file: Path = ROOT / "dbt_project.yml") -> list[Var]:
    text = project_file.read_text()
    values = yaml.safe_load(text).get("vars", {})
    block = text.split("\nvars:\n", 1)[1]
    block = re.split(r"\n(?=\S)", block, maxsplit=1)[0]
    found: list[Var] = []
    for line in block.splitlines():
        head, body = HEAD.match(line), BODY.match(line)
        if head:
            name, default = head.group(1), head.group(2)
            if default is None:
                if name not in values:
                    raise ValueError(f"dbt_project.yml: {name} has neither a value nor a default")
                default = f"`{_shown(values[name])}`"
            found.append(Var(name, default, ""))
        elif body and found:
            found[-1].meaning = f"{found[-1].meaning} {body.group(1)}".strip()
    return found


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(item) for item in value) + "]"
    return str(value)


def render(variables: list[Var]) -> str:
    rows = [f"| `{v.name}` | {v.default} | {v.meaning} |" for v in variables]
    return "\n".join([START, "| var | default | meaning |", "|---|---|---|", *rows, END])


def updated(overview: str, table: str) -> str:
    before, rest = overview.split(START, 1)
    after = rest.split(END, 1)[1]
    return before + table + after


def main(argv: list[str]) -> int:
    current = OVERVIEW.read_text()
    wanted = updated(current, render(project_vars()))
    if "--check" in argv:
        if wanted != current:
            print("models/overview.md: var table out of date; run scripts/render_var_docs.py")
            return 1
        return 0
    OVERVIEW.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
