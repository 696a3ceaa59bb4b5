"""Child processes of the benchmark: their environment, tools and wall time, peak RSS and
CPU time (with a timeout), the machine they run on, and progress messages."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]  # the repository
BENCH = REPO / "benchmarks"
VENV_BIN = REPO / ".venv" / "bin"
# the script a baseline sub-process runs (``bench.py _scipy ...``)
ENTRY = BENCH / "bench.py"
RESULT_PREFIX = "BENCH_RESULT "
GIB = 1024**3
MIB = 1024**2


@dataclass
class Measured:
    wall_s: float
    peak_rss: int
    cpu_s: float
    returncode: int | None
    timed_out: bool
    log: Path
    load: str = ""
    # wall-clock (epoch) seconds when the process was started and when it ended
    started_epoch: float = 0.0
    ended_epoch: float = 0.0
    # (epoch seconds, RSS of the process tree) at every poll
    samples: list[tuple[float, int]] = field(default_factory=list)

    def result(self) -> dict[str, Any]:
        """The JSON a benchmark sub-process printed on its last ``BENCH_RESULT`` line."""
        found: dict[str, Any] = {}
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith(RESULT_PREFIX):
                found = json.loads(line[len(RESULT_PREFIX) :])
        return found


def _tree_rss(proc: Any) -> int:
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run_measured(
    cmd: Sequence[str],
    *,
    log: Path,
    env: dict[str, str] | None = None,
    cwd: Path = REPO,
    timeout: float | None = None,
) -> Measured:
    """Runs ``cmd`` with output to ``log``.

    Peak RSS: the RSS of the process tree polled every 0.1 s (psutil), or the kernel's
    maxrss of the largest process if higher. CPU: user + system seconds of the process
    and its children (wait4), which other load on a shared machine does not inflate.
    """
    import psutil

    log.parent.mkdir(parents=True, exist_ok=True)
    load = load_average()
    with log.open("wb") as out:
        out.write(("$ " + shlex.join(cmd) + "\n").encode())
        out.flush()
        start = time.perf_counter()
        started_epoch = time.time()
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        ps = psutil.Process(proc.pid)
        peak = 0
        samples: list[tuple[float, int]] = []
        timed_out = False
        killed_at: float | None = None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            rss = _tree_rss(ps)
            samples.append((time.time(), rss))
            peak = max(peak, rss)
            now = time.perf_counter()
            if timeout is not None and not timed_out and now - start > timeout:
                timed_out, killed_at = True, now
                # the child was started in a session of its own: end exactly that group
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
            elif killed_at is not None and now - killed_at > 15:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            time.sleep(0.1)
        wall = time.perf_counter() - start
        ended_epoch = time.time()
    cpu = usage.ru_utime + usage.ru_stime
    peak = max(peak, usage.ru_maxrss * 1024)
    code = None if timed_out else proc.returncode
    return Measured(
        wall, peak, cpu, code, timed_out, log, load, started_epoch, ended_epoch, samples
    )


def check(m: Measured, what: str) -> None:
    if m.timed_out or m.returncode != 0:
        tail = "\n".join(m.log.read_text(errors="replace").splitlines()[-40:])
        raise SystemExit(f"bench: {what} failed (exit {m.returncode}); log {m.log}:\n{tail}")


def tool(name: str) -> str:
    path = VENV_BIN / name
    return str(path) if path.exists() else shutil.which(name) or name


def child_env(db: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("IDSTITCH_ENCRYPT", "IDSTITCH_TARGET", "IDSTITCH_DUCKDB_SCHEMA"):
        env.pop(key, None)
    env.update(
        DBT_PROFILES_DIR=str(REPO),
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        DO_NOT_TRACK="1",
        IDSTITCH_DUCKDB_PATH=str(db),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def machine_info() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) * 1024 / GIB:.1f} GiB"
                break
    import duckdb
    import scipy

    return {
        "nproc": str(os.cpu_count()),
        "memory": mem,
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "scipy": scipy.__version__,
        "splink": _version("splink"),
        "dbt-core": _version("dbt-core"),
        "dbt-duckdb": _version("dbt-duckdb"),
    }


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def say(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def rel(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.relative_to(REPO))
    return str(path)
