"""`idstitch load --help` lists every reason a record can be rejected for, and only those."""

from __future__ import annotations

import re
from pathlib import Path

from idstitch.commands.load import DESCRIPTION
from idstitch.load.shapes import NOT_LOADED_TYPES

LOAD_PACKAGE = Path(__file__).resolve().parents[2] / "idstitch" / "load"
# the reject list of the help: two spaces, a reason, then its description
LISTED = re.compile(r"^  ([a-z][a-z0-9_]+) +", re.MULTILINE)
# a reason in the code: Reject("reason", ...) or a quoted reason constant of the load package
RAISED = re.compile(r"Reject\(\s*\"([a-z][a-z0-9_]+)\"")


def _code_reasons() -> set[str]:
    found = {reason for reason, _ in NOT_LOADED_TYPES.values()}
    for path in LOAD_PACKAGE.glob("*.py"):
        found.update(RAISED.findall(path.read_text()))
    return found


def test_the_help_lists_every_reject_reason_the_loader_raises() -> None:
    listed = set(LISTED.findall(DESCRIPTION))
    raised = _code_reasons()
    assert raised, "no reason found in the load package: the pattern is stale"
    assert raised <= listed, f"not in the help: {sorted(raised - listed)}"
    assert "unsupported_type" not in listed
