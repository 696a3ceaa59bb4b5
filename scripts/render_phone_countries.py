"""Render the phone numbering metadata of every country from the `phonenumbers` library.

The phone rule (macros/identifiers/phone_e164.sql) needs, per country, its calling code,
its national (trunk) prefix and the lengths a national number can have. This script reads
them from `phonenumbers` (pinned in requirements-dev.txt) and writes them twice, as the
same data: a dbt macro (macros/identifiers/phone_countries.sql) and a Python module for
the helper (python/idstitch/privacy/phone_countries.py), which has no `phonenumbers` at
run time. `--check` exits 1 when either file is not what this script would write (the
tests call `rendered()` and compare).

Per region: the calling code; the trunk prefix (`national_prefix`, when it is digits that
`national_prefix_for_parsing` matches whole; '' otherwise); the international (IDD) prefix
when it is a fixed one (`011` in the US); the lengths of a national number that
`phonenumbers` calls possible, without the local-only ones (`general_desc.possible_length`
minus `possible_length_local_only`); and the longest possible length. A calling code
shared by several regions (+1, +7, +44, ...) is read with its main region's metadata, as
`phonenumbers` reads an international number. Regions whose trunk rule in `phonenumbers`
is more than that fixed prefix (a regular expression or a transform rule: carrier codes,
area codes added to local numbers) are named in the macro's header: only the fixed prefix
is removed there, or nothing.

    python scripts/render_phone_countries.py [--check]
"""

from __future__ import annotations

import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneMetadata
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE, SUPPORTED_REGIONS

ROOT = Path(__file__).resolve().parents[1]
MACRO = ROOT / "macros" / "identifiers" / "phone_countries.sql"
MODULE = ROOT / "python" / "idstitch" / "privacy" / "phone_countries.py"
NON_GEOGRAPHIC = "001"


@dataclass(frozen=True)
class Country:
    region: str
    calling_code: str
    trunk: str
    idd: str
    lengths: tuple[int, ...]
    longest: int
    approximated: bool


def _metadata(region: str, calling_code: int) -> PhoneMetadata | None:
    if region == NON_GEOGRAPHIC:
        return PhoneMetadata.metadata_for_nongeo_region(calling_code)
    return PhoneMetadata.metadata_for_region(region)


def _country(region: str, calling_code: int) -> Country | None:
    metadata = _metadata(region, calling_code)
    if metadata is None or metadata.general_desc is None:
        return None
    possible = tuple(metadata.general_desc.possible_length or ())
    local = set(metadata.general_desc.possible_length_local_only or ())
    if not possible or possible[0] == -1:
        return None
    prefix = metadata.national_prefix or ""
    parsing = metadata.national_prefix_for_parsing or prefix
    approximated = parsing != prefix or bool(metadata.national_prefix_transform_rule)
    plain = re.fullmatch("[0-9]+", prefix) is not None
    trunk = prefix if plain and re.fullmatch(parsing, prefix) else ""
    idd = metadata.international_prefix or ""
    idd = idd if re.fullmatch("[0-9]+", idd) else ""
    lengths = tuple(n for n in possible if n not in local)
    if local and max(local) > max(possible):
        raise ValueError(f"{region}: a local-only length above the longest possible one")
    return Country(region, str(calling_code), trunk, idd, lengths, max(possible), approximated)


def countries() -> tuple[list[Country], list[Country]]:
    """(every region, for a default country; the main region of every calling code)."""
    regions: list[Country] = []
    for region in sorted(SUPPORTED_REGIONS):
        found = _country(region, phonenumbers.country_code_for_region(region))
        if found is not None:
            regions.append(found)
    mains: list[Country] = []
    for code, names in sorted(COUNTRY_CODE_TO_REGION_CODE.items()):
        found = _country(names[0], code)
        if found is not None:
            mains.append(found)
    return regions, mains


def length_pattern(lengths: tuple[int, ...]) -> str:
    """`[0-9]{n}` for each length, runs as `{a,b}`, in one non-capturing group."""
    runs: list[tuple[int, int]] = []
    for n in sorted(lengths):
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    parts = [f"[0-9]{{{a}}}" if a == b else f"[0-9]{{{a},{b}}}" for a, b in runs]
    return f"(?:{'|'.join(parts)})"


def patterns(mains: list[Country]) -> dict[str, str]:
    """The international regular expressions (RE2 syntax, ASCII, anchored):

    * `valid`: `+`, a calling code, a national number of a possible length;
    * `zeros`: `+`, maybe a calling code, then only zeros;
    * `strip`: `+`, a calling code, its trunk prefix, then a possible length;
    * `trunk` / `trunk_replacement`: removes the trunk prefix after the calling code
      (one group of calling codes per trunk prefix).
    """
    valid = "|".join(f"{c.calling_code}{length_pattern(c.lengths)}" for c in mains)
    strip = "|".join(
        f"{c.calling_code}{c.trunk}{length_pattern(c.lengths)}" for c in mains if c.trunk
    )
    by_trunk: dict[str, list[str]] = {}
    for c in mains:
        if c.trunk:
            by_trunk.setdefault(c.trunk, []).append(c.calling_code)
    groups = [f"({'|'.join(codes)}){trunk}" for trunk, codes in sorted(by_trunk.items())]
    if len(groups) > 9:
        raise ValueError("more than 9 trunk prefixes: \\1..\\9 cannot name them")
    return {
        "valid": f"^[+](?:{valid})$",
        "zeros": f"^[+](?:{'|'.join(c.calling_code for c in mains)})?0+$",
        "strip": f"^[+](?:{strip})$",
        "trunk": f"^[+](?:{'|'.join(groups)})",
        "trunk_replacement": "+" + "".join(f"\\{i}" for i in range(1, len(groups) + 1)),
    }


HEADER = "Generated by scripts/render_phone_countries.py from phonenumbers {version}: do not edit."


def _jinja_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def render_macro(regions: list[Country], mains: list[Country]) -> str:
    found = patterns(mains)
    rows = [
        f"        '{c.region}': {{'calling_code': '{c.calling_code}', 'trunk': '{c.trunk}', "
        f"'idd': '{c.idd}', 'lengths': [{', '.join(str(n) for n in c.lengths)}], "
        f"'longest': {c.longest}, "
        f"'lengths_pattern': {_jinja_string(length_pattern(c.lengths))}}},"
        for c in regions
    ]
    partly = ", ".join(c.region for c in regions if c.approximated and c.trunk)
    kept = ", ".join(c.region for c in regions if c.approximated and not c.trunk)
    pattern_rows = [f"        '{name}': {_jinja_string(value)}," for name, value in found.items()]
    return "\n".join(
        [
            "{#- " + HEADER.format(version=phonenumbers.__version__),
            "    Phone numbering metadata per region (ISO 3166 alpha-2; 001 is non-geographic),",
            "    read by phone_e164.sql. The trunk rule of phonenumbers (national prefix for",
            "    parsing) is more than a fixed prefix in some regions. Only their fixed trunk",
            *textwrap.wrap(
                f"prefix is removed in {partly}. Nothing is removed in {kept}. -#}}",
                88,
                initial_indent="    ",
                subsequent_indent="    ",
            ),
            "",
            "{% macro phone_regions() -%}",
            "    {#- region -> calling code, trunk prefix ('' if none), international prefix",
            "        when it is a fixed one (else ''), possible national",
            "        lengths (not the local-only ones), longest possible length, and the",
            "        lengths as a regular expression (`(?:[0-9]{9}|[0-9]{11,12})`). -#}",
            "    {{- return({",
            *rows,
            "    }) -}}",
            "{%- endmacro %}",
            "",
            "",
            "{% macro phone_international_patterns() -%}",
            "    {#- Regular expressions over `+<calling code><national number>`, each calling",
            "        code read with its main region's metadata (see phone_e164.sql). -#}",
            "    {{- return({",
            *pattern_rows,
            "    }) -}}",
            "{%- endmacro %}",
            "",
        ]
    )


def render_module(regions: list[Country], mains: list[Country]) -> str:
    found = patterns(mains)
    rows = [
        f'    "{c.region}": PhoneRegion("{c.calling_code}", "{c.trunk}", "{c.idd}", {c.lengths!r}, '
        f"{c.longest}, {length_pattern(c.lengths)!r}),"
        for c in regions
    ]
    pattern_rows = [f"    {name!r}: {value!r}," for name, value in found.items()]
    return "\n".join(
        [
            "# ruff: noqa: E501",
            f'"""{HEADER.format(version=phonenumbers.__version__)}',
            "",
            "The same data as macros/identifiers/phone_countries.sql, for the helper",
            '(idstitch.privacy.identifiers): see that file and phone_e164.sql."""',
            "",
            "from __future__ import annotations",
            "",
            "from typing import NamedTuple",
            "",
            "",
            "class PhoneRegion(NamedTuple):",
            "    calling_code: str",
            "    trunk: str",
            "    idd: str",
            "    lengths: tuple[int, ...]",
            "    longest: int",
            "    lengths_pattern: str",
            "",
            "",
            "# fmt: off",
            "PHONE_REGIONS: dict[str, PhoneRegion] = {",
            *rows,
            "}",
            "",
            "INTERNATIONAL_PATTERNS: dict[str, str] = {",
            *pattern_rows,
            "}",
            "# fmt: on",
            "",
        ]
    )


def rendered() -> dict[Path, str]:
    regions, mains = countries()
    return {MACRO: render_macro(regions, mains), MODULE: render_module(regions, mains)}


def main(argv: list[str]) -> int:
    stale = [
        path for path, text in rendered().items() if not path.exists() or path.read_text() != text
    ]
    if "--check" in argv:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date; run scripts/render_phone_countries.py")
        return 1 if stale else 0
    for path, text in rendered().items():
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
