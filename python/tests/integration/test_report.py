"""``idstitch report`` on a real build: the numbers, the files, and the page in Chromium.

A generated data set with persons of very different sizes (1 to 40 identifiers) plus junk
values and a duplicate message id is built with ``dbt build`` into a temporary DuckDB. The
report is written, checked against the database, and opened in headless Chromium
(Debian's ``chromium``; ``scripts/install-chromium.sh`` installs it when missing and the
test fails if it is still absent): the screenshot must not be blank and must show the
chart colour, and the rendered DOM must hold the embedded charts and nothing to run or
fetch (no script, no external URL). Empty or missing databases give a clear error.
"""

from __future__ import annotations

import base64
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from dbt_harness import PROJECT_DIR, build_package
from PIL import Image

from idstitch.cli import main
from idstitch.report import BAR_COLOUR
from idstitch.summary import ORIGINS_MODEL, PERSONS_MODEL, summarise

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_SCRIPT = PROJECT_DIR / "scripts" / "install-chromium.sh"
# identifiers per person -> how many such persons
SIZES = {1: 40, 2: 30, 3: 15, 5: 8, 9: 4, 17: 2, 40: 1}
START = datetime(2024, 5, 1, 8, 0, 0)


@dataclass
class Generated:
    tables: dict[str, list[dict[str, Any]]]
    persons: int
    known: int
    identifiers: int
    largest: int
    junk_values: int


def _generate() -> Generated:
    """Persons of the sizes in SIZES. A person of size k >= 2 has the external_id
    ``u-<p>``, an email when k >= 3, and anonymous ids for the rest; size 1 is an
    anonymous-only visitor. Junk: blocked anonymous ids, a blocked email, a short phone."""
    identifies: list[dict[str, Any]] = []
    tracks: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    clock = iter(START + timedelta(minutes=i) for i in range(100_000))
    person = 0
    for size, count in SIZES.items():
        for _ in range(count):
            person += 1
            if size == 1:
                pages.append(
                    {"id": f"p-{person}", "anonymous_id": f"a-{person}-0", "timestamp": next(clock)}
                )
                continue
            anonymous = size - 1 - (1 if size >= 3 else 0)
            identifies.append(
                {
                    "id": f"i-{person}",
                    "user_id": f"u-{person}",
                    "anonymous_id": f"a-{person}-0" if anonymous else None,
                    "email": f"p{person}@example.com" if size >= 3 else None,
                    "timestamp": next(clock),
                }
            )
            for n in range(1, anonymous):
                tracks.append(
                    {
                        "id": f"t-{person}-{n}",
                        "user_id": f"u-{person}",
                        "anonymous_id": f"a-{person}-{n}",
                        "event": "Signed In",
                        "timestamp": next(clock),
                    }
                )
    # junk, none of it an identifier
    pages += [
        {"id": "p-junk-1", "anonymous_id": "undefined", "timestamp": next(clock)},
        {
            "id": "p-junk-2",
            "anonymous_id": "00000000-0000-0000-0000-000000000000",
            "timestamp": next(clock),
        },
    ]
    identifies.append({"id": "i-junk-1", "email": "NULL", "phone": "123", "timestamp": next(clock)})
    tracks.append(dict(tracks[0]))  # a duplicate message id
    persons = sum(SIZES.values())
    return Generated(
        tables={"identifies": identifies, "tracks": tracks, "pages": pages},
        persons=persons,
        known=persons - SIZES[1],
        identifiers=sum(size * count for size, count in SIZES.items()),
        largest=max(SIZES),
        junk_values=4,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Generated, Path]]:
    data = _generate()
    work = tmp_path_factory.mktemp("report_build")
    run = build_package(data.tables, work)
    assert run.ok, run.log_tail()
    yield data, run.db_path


@pytest.fixture(scope="module")
def report(
    built: tuple[Generated, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Generated, Path, Path, str]:
    data, db_path = built
    out = tmp_path_factory.mktemp("report") / "out"
    code = main(["report", "--db", str(db_path), "--out", str(out)])
    assert code == 0
    return data, db_path, out, (out / "index.html").read_text(encoding="utf-8")


def _card(page: str, label: str) -> str:
    match = re.search(
        r'<div class="value">([^<]*)</div><div class="label">' + re.escape(label) + "</div>", page
    )
    assert match, f"no card {label!r}"
    return match.group(1)


def _assert_nothing_to_run_or_fetch(page: str) -> None:
    """No script, no stylesheet link, no URL other than the embedded data: images."""
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    assert not re.search(r"https?:|//[a-z]|url\(", text)
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()


def test_report_numbers_match_the_build(report: tuple[Generated, Path, Path, str]) -> None:
    data, db_path, _out, page = report
    assert _card(page, "persons") == f"{data.persons:,}"
    assert _card(page, "known (in users)") == f"{data.known:,}"
    assert _card(page, "anonymous-only") == f"{data.persons - data.known:,}"
    assert _card(page, "identifiers") == f"{data.identifiers:,}"
    assert _card(page, "largest person (identifiers)") == f"{data.largest:,}"
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        summary = summarise(con)
        rounds = con.execute(
            "select count(*) from main_idstitch.idstitch_component_rounds "
            "where phase = 'contract' and model_name = ?",
            [PERSONS_MODEL],
        ).fetchone()
        origins = con.execute(
            "select count(*) from main_idstitch.idstitch_component_rounds "
            "where phase = 'contract' and model_name = ?",
            [ORIGINS_MODEL],
        ).fetchone()
        rejected = con.execute(
            "select sum(row_count) from main_idstitch.idstitch_data_quality "
            "where check_name like 'identifier_rejected_%'"
        ).fetchone()
    finally:
        con.close()
    assert summary.persons == data.persons
    assert rounds is not None and rounds[0] >= 1
    assert _card(page, "components rounds · time").startswith(f"{rounds[0]} · ")
    # the rounds table and card are the persons' step; the origins step gets one line
    assert summary.rounds == rounds[0]
    assert origins is not None and origins[0] >= 1
    assert summary.origins_rounds == origins[0]
    assert page.count("<td>contract</td>") == rounds[0]
    assert re.search(
        rf'<p id="origins-step">[^\n]*<code>{ORIGINS_MODEL}</code>[^\n]*'
        rf"\b{origins[0]} contraction rounds",
        page,
    )
    # identifiers per type, as in the table
    for identifier_type, count in summary.identifiers_by_type.items():
        assert re.search(
            rf"<td><code>{identifier_type}</code></td><td class=\"num\">{count:,}</td>", page
        ), identifier_type
    # log2 bins of the component sizes: 1 | 2-3 | 4-7 | 8-15 | 16-31 | 32-63
    expected_bins: Counter[tuple[int, int]] = Counter()
    for size, count in SIZES.items():
        low = 1 << (size.bit_length() - 1)
        expected_bins[(low, 2 * low - 1)] += count
    for (low, high), count in expected_bins.items():
        label = f"{low:,}" if low == high else f"{low:,}\u2013{high:,}"
        assert f'<tr><td>{label}</td><td class="num">{count:,}</td>' in page, label
    # junk values removed
    assert rejected is not None and rejected[0] == data.junk_values
    assert f"{data.junk_values:,} candidate identifier values were no identifier" in page
    assert "<code>00000000-0000-0000-0000-000000000000</code>" in page  # min() of the examples
    # the largest person first, with its identifiers per type
    assert re.search(r'<td class="num">1</td><td><code class="id">[0-9a-f]{32}</code></td>', page)
    # no identifier value of a person leaks into the page, but for the bridges
    outside = re.sub(r'<h2 id="bridges">.*?<h2 id="junk">', "", page, flags=re.S)
    assert "@example.com" not in page
    assert not re.search(r"\b[ua]-\d+", outside)


def _sizes_by_user() -> dict[str, int]:
    """Identifiers of each person with a user id, by the rule of _generate."""
    sizes: dict[str, int] = {}
    person = 0
    for size, count in SIZES.items():
        for _ in range(count):
            person += 1
            if size >= 2:
                sizes[f"u-{person}"] = size
    return sizes


def test_report_names_the_bridges_of_the_largest_persons(
    report: tuple[Generated, Path, Path, str],
) -> None:
    """A person of k >= 3 identifiers is its user id linked to the email and the first
    anonymous id (one identify call: a triangle) and to each other anonymous id (a track
    each): the user id is its only bridge, and it cuts off the k - 3 anonymous ids of the
    tracks. The five largest persons are listed (sizes 40, 17, 17, 9, 9)."""
    _data, _db, _out, page = report
    section = page.split('<h2 id="bridges">')[1].split('<h2 id="junk">')[0]
    rows = re.findall(
        r'<tr class="bridge"><td><code class="id">([0-9a-f]{32})</code></td>'
        r'<td class="num">([\d,]+)</td><td class="num">(\d+)</td>'
        r"<td><code>external_<wbr>id:(u-\d+)</code></td><td class=\"num\">([\d,]+)</td></tr>",
        section,
    )
    sizes = _sizes_by_user()
    largest = sorted(sizes.values(), reverse=True)[:5]
    assert sorted((int(r[1].replace(",", "")) for r in rows), reverse=True) == largest
    for _person, identifiers, bridges, user, cut_off in rows:
        assert int(identifiers.replace(",", "")) == sizes[user]
        assert (int(bridges), int(cut_off.replace(",", ""))) == (1, sizes[user] - 3)
    assert len({r[0] for r in rows}) == 5
    assert section.count("<tr") == 6  # the header and one row per person


def test_report_files_are_self_contained(report: tuple[Generated, Path, Path, str]) -> None:
    _data, _db, out, page = report
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == ["component_sizes.png", "components_rounds.png", "identifiers_per_type.png"]
    embedded = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(embedded) == 3
    assert sorted(base64.b64decode(e) for e in embedded) == sorted(
        (out / name).read_bytes() for name in pngs
    )
    for name in pngs:
        with Image.open(out / name) as image:
            assert image.format == "PNG"
            assert image.width >= 800
    _assert_nothing_to_run_or_fetch(page)
    assert "<style>" in page


def test_progress_on_stderr(
    built: tuple[Generated, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data, db_path = built
    out = tmp_path / "report"
    assert main(["report", "--db", str(db_path), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out / "index.html")
    lines = captured.err.splitlines()
    assert lines[0].startswith("report: querying")
    assert "report: rendering charts 1/3 (identifiers per type)…" in lines
    assert "report: rendering charts 3/3 (components step)…" in lines
    assert lines[-1].startswith("report: done in")


def test_clear_error_without_a_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    out = tmp_path / "out"
    assert main(["report", "--db", str(empty), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "idstitch report: error:" in err
    assert "run `dbt build` first" in err
    assert "Traceback" not in err
    assert not out.exists()

    missing = tmp_path / "missing.duckdb"
    assert main(["report", "--db", str(missing), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no such DuckDB file" in err
    assert not missing.exists()
    assert not out.exists()


# ---------------------------------------------------------------------------- Chromium


def _chromium() -> Path:
    if not CHROMIUM.exists():
        subprocess.run(["bash", str(INSTALL_SCRIPT)], check=False, timeout=900)
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing and {INSTALL_SCRIPT} could not install it")
    return CHROMIUM


def _run_chromium(page: Path, profile: Path, *action: str) -> subprocess.CompletedProcess[str]:
    profile.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [
            str(_chromium()),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--window-size=1280,2000",
            "--enable-logging=stderr",
            "--v=0",
            *action,
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def test_page_renders_in_chromium(
    report: tuple[Generated, Path, Path, str], tmp_path: Path
) -> None:
    _data, _db, out, _page = report
    page = out / "index.html"
    shot = tmp_path / "screenshot.png"
    proc = _run_chromium(page, tmp_path / "profile-shot", f"--screenshot={shot}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert shot.exists(), proc.stderr[-3000:]

    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3).astype(np.int32)
    distinct = len(np.unique(pixels, axis=0))
    non_white = float(np.mean(pixels.sum(axis=1) < 3 * 245))
    bar = np.array(_hex_rgb(BAR_COLOUR))
    bar_pixels = int(np.sum(np.abs(pixels - bar).sum(axis=1) <= 12))
    assert distinct > 100, f"only {distinct} colours: blank page?"
    assert non_white > 0.05, f"only {non_white:.1%} of the page is not white"
    # the charts' bars (the colour is used nowhere else on the page): at least two
    # charts' worth are visible in the first 2000 pixels
    assert bar_pixels > 20_000, f"only {bar_pixels} pixels of the chart colour"

    dom = _run_chromium(page, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-3000:]
    _assert_nothing_to_run_or_fetch(dom.stdout)
    images = re.findall(r"<img [^>]*>", dom.stdout)
    assert len(images) == 3
    assert all('src="data:image/png;base64,' in tag for tag in images)
    for section in ("overview", "persons", "identifiers", "sizes", "largest", "junk", "rounds"):
        assert f'id="{section}"' in dom.stdout, section
