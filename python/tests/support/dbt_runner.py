"""The one way the tests run dbt.

    dbt = Dbt(env={"IDSTITCH_DUCKDB_PATH": str(db)})
    result = dbt.run(["build"], work, variables={"idstitch_max_rounds": 3}).check()
    manifest = result.json("manifest.json")

Every run gets:

* the dbt of this virtual environment (beside ``sys.executable``), never another on PATH;
* one scrubbed environment, the same for every caller: the caller's environment without any
  ``IDSTITCH_*`` or ``DBT_*`` variable, and without the libpq ``PG*`` variables unless the
  target is ``postgres``; then ``DBT_PROFILES_DIR``, no usage tracking, and only the variables
  the caller passes in ``env``;
* the profile target on the command line (``--target``), vars as JSON (``--vars``);
* its own target and log directories, ``<work>/target`` and ``<work>/logs``, so runs never
  share state (partial parsing, run_results.json) and nothing is written into the repository;
* a failure message naming the command and the variables passed (secrets hidden), with dbt's
  error summary or the tail of its log (``DbtResult.check``).

``Dbt.start`` runs dbt in the background (builds of different files in parallel);
``Dbt.run_in_process`` runs it inside this process (Spark ``method: session``: loading,
building and reading share one Spark session), with the same environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any


def _repository() -> Path:
    """The first folder above this file with a dbt_project.yml (wherever the tests sit)."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "dbt_project.yml").is_file():
            return folder
    raise RuntimeError(f"no dbt_project.yml above {__file__}")


# The dbt project under test: this repository, or IDSTITCH_PROJECT_DIR (e.g. an exported
# commit, to test committed models while the work tree is being edited).
PROJECT_DIR = Path(os.environ.get("IDSTITCH_PROJECT_DIR") or _repository())
VENV_BIN = Path(sys.executable).parent
# Prefixes of the variables no run inherits (the caller passes the ones it means).
SCRUBBED_PREFIXES = ("IDSTITCH_", "DBT_")
LIBPQ_PREFIX = "PG"
# Commands without --target-path (they write no artefacts there).
NO_TARGET_PATH = frozenset(["deps", "debug", "clean", "init"])
ERROR_MARKERS = ("Completed with", "Encountered an error")
# Variables whose values a failure message leaves out (master keys and the like).
SECRET_WORDS = ("KEY", "SECRET", "PASSWORD", "TOKEN")


def dbt_executable() -> str:
    """The dbt installed beside this Python (the project's virtual environment)."""
    dbt = VENV_BIN / "dbt"
    if not dbt.exists():
        raise RuntimeError(f"no dbt beside {sys.executable}: run the tests with the venv's pytest")
    return str(dbt)


def _shown(name: str, value: str) -> str:
    return "<hidden>" if any(word in name.upper() for word in SECRET_WORDS) else value


@dataclass(frozen=True)
class DbtResult:
    """One finished dbt command: exit code, output, and where its artefacts are."""

    args: tuple[str, ...]
    work: Path
    env: Mapping[str, str]  # the variables the caller passed (shown in failure messages)
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def target(self) -> Path:
        return self.work / "target"

    @property
    def log_file(self) -> Path:
        return self.work / "logs" / "dbt.log"

    def json(self, name: str) -> dict[str, Any]:
        """An artefact of the run's target directory (manifest.json, run_results.json, ...)."""
        data: dict[str, Any] = json.loads((self.target / name).read_text())
        return data

    def log_tail(self, lines: int = 60) -> str:
        """dbt's error summary (from "Completed with" / "Encountered an error") or the tail of
        its output; with dbt.log when there is no output (a run in this process)."""
        text = (self.stdout + "\n" + self.stderr).strip().splitlines()
        if not self.stdout.strip() and self.log_file.exists():
            text += self.log_file.read_text(errors="replace").strip().splitlines()
        for i, line in enumerate(text):
            if any(marker in line for marker in ERROR_MARKERS):
                return "\n".join(text[i : i + lines])
        return "\n".join(text[-lines:])

    def check(self, lines: int = 80) -> DbtResult:
        """This result, or an AssertionError saying what failed and how."""
        if not self.ok:
            passed = " ".join(f"{k}={_shown(k, v)}" for k, v in sorted(self.env.items()))
            raise AssertionError(
                f"dbt {' '.join(self.args)} failed (exit {self.returncode}, work {self.work}, "
                f"variables passed: {passed or 'none'}):\n{self.log_tail(lines)}"
            )
        return self


@dataclass
class PendingDbt:
    """A dbt command running in the background."""

    proc: subprocess.Popen[str]
    args: tuple[str, ...]
    work: Path
    env: Mapping[str, str]
    started: float

    def wait(self, timeout: float = 900) -> DbtResult:
        try:
            stdout, stderr = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            stdout, stderr = self.proc.communicate()
            stderr += f"\n[dbt_runner] killed after {timeout} s"
        return DbtResult(
            self.args,
            self.work,
            self.env,
            self.proc.returncode,
            stdout,
            stderr,
            time.monotonic() - self.started,
        )


@dataclass(frozen=True)
class Dbt:
    """How the tests call dbt: which project, which profile target, which variables.

    ``env`` holds every ``IDSTITCH_*`` (or other) variable the runs need; nothing of the kind
    is inherited from the calling process.
    """

    project_dir: Path = PROJECT_DIR
    profiles_dir: Path | None = None  # default: the project directory
    target: str = "duckdb"
    env: Mapping[str, str] = field(default_factory=dict)

    def with_env(self, **extra: str) -> Dbt:
        return replace(self, env={**self.env, **extra})

    def environment(self) -> dict[str, str]:
        """The scrubbed environment of every run (see the module's docstring)."""
        keep_libpq = self.target == "postgres"
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(SCRUBBED_PREFIXES)
            and (keep_libpq or not name.startswith(LIBPQ_PREFIX))
        }
        env["PATH"] = str(VENV_BIN) + os.pathsep + env.get("PATH", "")
        env["DBT_PROFILES_DIR"] = str(self.profiles_dir or self.project_dir)
        env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
        env["DO_NOT_TRACK"] = "1"
        env.update(self.env)
        return env

    def command(
        self, args: Sequence[str], work: Path, variables: Mapping[str, Any] | None = None
    ) -> list[str]:
        """``dbt <args> --project-dir ... --target ... [--target-path] --log-path [--vars]``."""
        profiles = self.profiles_dir or self.project_dir
        command = [dbt_executable(), *args]
        command += ["--project-dir", str(self.project_dir), "--profiles-dir", str(profiles)]
        command += ["--target", self.target, "--log-path", str(work / "logs")]
        if args[0] not in NO_TARGET_PATH:
            command += ["--target-path", str(work / "target")]
        if variables:
            command += ["--vars", json.dumps(dict(variables), sort_keys=True, default=str)]
        return command

    def start(
        self,
        args: Sequence[str],
        work: Path,
        variables: Mapping[str, Any] | None = None,
        cwd: Path | None = None,
    ) -> PendingDbt:
        """Start ``dbt <args>`` in the background; ``cwd`` defaults to ``work``."""
        work.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen(
            self.command(args, work, variables),
            cwd=cwd or work,
            env=self.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return PendingDbt(proc, tuple(args), work, dict(self.env), time.monotonic())

    def run(
        self,
        args: Sequence[str],
        work: Path,
        variables: Mapping[str, Any] | None = None,
        timeout: float = 900,
        cwd: Path | None = None,
    ) -> DbtResult:
        """``dbt <args>`` in a subprocess; check the result with ``.ok`` or ``.check()``."""
        return self.start(args, work, variables, cwd).wait(timeout)

    def run_in_process(
        self, args: Sequence[str], work: Path, variables: Mapping[str, Any] | None = None
    ) -> DbtResult:
        """``dbt <args>`` in this process (dbtRunner), under the same scrubbed environment."""
        from dbt.cli.main import dbtRunner

        work.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with _process_environment(self.environment()):
            outcome = dbtRunner().invoke(self.command(args, work, variables)[1:])
        error = "" if outcome.exception is None else f"{outcome.exception!r}\n"
        return DbtResult(
            tuple(args),
            work,
            dict(self.env),
            0 if outcome.success else 1,
            "",
            error,
            time.monotonic() - started,
        )


@contextmanager
def _process_environment(env: Mapping[str, str]) -> Iterator[None]:
    """This process's environment is ``env`` inside the block, the old one after it."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
