"""Identifiers are trimmed of invisible characters and put in Unicode NFC, in SQL as in Python.

Issue 16: no-break spaces, zero-width characters and direction marks around a value were
kept, and `Zoë` typed as one character (NFC) and as `e` + combining diaeresis (NFD) were two
identifiers. Now both ends of every value are trimmed of white space, zero-width characters
and direction marks (inside a value they stay), and every identifier is put in NFC, on
DuckDB and PostgreSQL. Spark SQL has no NFC function: there an NFD spelling stays its own
identifier, which the contract says and the last test holds the package to.

Issue 15: the national and international spellings of one phone are one identifier (E.164,
read with var idstitch_default_phone_country, US by default; test_phone_agreement.py holds
the rule to the phonenumbers library), emails lose a `mailto:` and trailing dots, and a
value that is no phone or no email address is rejected with its own reason, counted.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

import oracle
import oracle_text
import pytest
from dbt_harness import PROJECT_DIR, DbtRun, build_package

T0 = datetime(2024, 6, 1, 12, 0, 0)
NFC_ZOE = "Zo\u00eb"
NFD_ZOE = unicodedata.normalize("NFD", NFC_ZOE)


def _identify(n: int, **values: Any) -> dict[str, Any]:
    at = T0 + timedelta(minutes=n)
    return {"id": f"msg-{n}", "timestamp": at, "received_at": at, **values}


def _tables() -> dict[str, list[dict[str, Any]]]:
    identifies = [
        # the same email, padded with a zero-width space and a no-break space
        _identify(1, anonymous_id="anon-1", email="\u200bJane@Example.com\u00a0"),
        _identify(2, anonymous_id="anon-2", email="jane@example.com"),
        # one external id spelled NFD and NFC
        _identify(3, anonymous_id="anon-3", user_id=NFD_ZOE),
        _identify(4, anonymous_id="anon-4", user_id=NFC_ZOE),
        # direction marks, a byte order mark, a word joiner around ids
        _identify(5, anonymous_id="\u200eanon-rtl\u200f", user_id="\ufeffu-bom\u2060"),
        # a phone with a word joiner and a no-break space at its ends
        _identify(6, anonymous_id="anon-6", phone=" \u2060+1 555 010 2345\u00a0"),
        # inside a value a no-break space stays
        _identify(7, anonymous_id="anon-7", user_id="a\u00a0b"),
        # a message id made only of invisible characters is a missing one
        {**_identify(8, anonymous_id="anon-8"), "id": "\u200b\u00a0"},
        # only invisible characters: empty, rejected
        _identify(9, anonymous_id="anon-9", external_id="\u200b\u200e\u3000"),
        # one phone, national and international
        _identify(10, anonymous_id="anon-10", phone="+1 (415) 555-7777"),
        _identify(11, anonymous_id="anon-11", phone="415.555.7777"),
        _identify(12, anonymous_id="anon-12", phone="001 415 555 7777"),
        # one email, with mailto: and a trailing dot; a user_id with mailto: is an email
        _identify(13, anonymous_id="anon-13", email="mailto:jane@example.com"),
        _identify(14, anonymous_id="anon-14", email="jane@example.com."),
        _identify(15, anonymous_id="anon-15", user_id="MAILTO:Max@Example.com"),
        # no email address, no phone: rejected, counted
        _identify(16, anonymous_id="anon-16", email="not-an-email", phone="12345"),
    ]
    return {"identifies": identifies}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    run = build_package(_tables(), tmp_path_factory.mktemp("normalisation"))
    assert run.ok, run.stdout[-4000:]
    return run


def _identifiers(run: DbtRun) -> dict[tuple[str, str], str]:
    return {
        (r["identifier_type"], r["identifier_value"]): r["person_id"]
        for r in run.read("user_identifiers")
    }


def test_invisible_characters_are_trimmed_and_nfd_is_nfc(built: DbtRun) -> None:
    found = _identifiers(built)
    assert found[("anonymous_id", "anon-1")] == found[("anonymous_id", "anon-2")]
    assert ("email", "jane@example.com") in found
    assert ("external_id", NFC_ZOE) in found
    assert ("external_id", NFD_ZOE) not in found
    assert found[("anonymous_id", "anon-3")] == found[("anonymous_id", "anon-4")]
    assert ("anonymous_id", "anon-rtl") in found
    assert ("external_id", "u-bom") in found
    assert ("phone", "+15550102345") in found
    assert ("external_id", "a\u00a0b") in found
    values = [value for _, value in found]
    assert not any(v != v.strip(oracle_text.TRIMMED) for v in values)


def test_invisible_only_values_are_counted(built: DbtRun) -> None:
    quality = {
        (r["table_name"], r["check_name"], r["identifier_type"]): r["row_count"]
        for r in built.read("idstitch_data_quality")
    }
    assert quality[("identifies", "missing_message_id_dropped", None)] == 1
    assert quality[("identifies", "identifier_rejected_empty", "external_id")] == 1


def test_phones_and_emails_of_one_person_are_one_identifier(built: DbtRun) -> None:
    found = _identifiers(built)
    phone = found[("phone", "+14155557777")]
    assert {found[("anonymous_id", f"anon-{n}")] for n in (10, 11, 12)} == {phone}
    email = found[("email", "jane@example.com")]
    assert {found[("anonymous_id", f"anon-{n}")] for n in (1, 2, 13, 14)} == {email}
    assert found[("email", "max@example.com")] == found[("anonymous_id", "anon-15")]
    assert not [value for kind, value in found if kind == "phone" and not value.startswith("+")]


def test_no_phone_and_no_email_are_counted_by_reason(built: DbtRun) -> None:
    quality = {
        (r["table_name"], r["check_name"], r["identifier_type"]): r["row_count"]
        for r in built.read("idstitch_data_quality")
    }
    assert quality[("identifies", "identifier_rejected_invalid_email", "email")] == 1
    assert quality[("identifies", "identifier_rejected_invalid_phone", "phone")] == 1
    found = _identifiers(built)
    assert ("email", "not-an-email") not in found
    assert not [value for kind, value in found if kind == "phone" and "12345" in value]


def test_oracle_normalises_the_same_way(built: DbtRun) -> None:
    expected = oracle.resolve(_tables())
    got = {
        (r["identifier_type"], r["identifier_value"]): (r["person_id"], r["event_count"])
        for r in built.read("user_identifiers")
    }
    assert got == {
        key: (row.person_id, row.event_count) for key, row in expected.user_identifiers.items()
    }


def test_trimmed_characters_are_the_same_list_in_sql_and_python() -> None:
    macro = (PROJECT_DIR / "macros/cross_db/trim_whitespace.sql").read_text()
    body = macro.split("macro _trimmed_code_points", 1)[1].split("endmacro", 1)[0]
    listed = [
        int(n) for n in re.findall(r"\[([0-9, \n]+)\]", body)[0].replace("\n", " ").split(",")
    ]
    for start, stop in re.findall(r"range\(([0-9]+), ([0-9]+)\)", body):
        listed.extend(range(int(start), int(stop)))
    assert sorted(listed) == sorted(ord(ch) for ch in oracle_text.TRIMMED)


def test_spark_has_no_nfc_and_the_contract_says_so() -> None:
    """The one engine difference allowed here is written down: Spark keeps NFD as sent."""
    macro = (PROJECT_DIR / "macros/cross_db/unicode_nfc.sql").read_text()
    variants = set(re.findall(r"macro (\w+)__unicode_nfc\(", macro))
    assert variants == {"default", "duckdb", "spark"}
    spark = macro.split("macro spark__unicode_nfc", 1)[1].split("endmacro", 1)[0]
    spark_sql = re.sub(r"\{#.*?#\}", "", spark, flags=re.DOTALL)
    contract = (PROJECT_DIR / "docs/contract.md").read_text()
    if re.sub(r"\s", "", spark_sql).endswith("{{expr}}{%-"):
        assert "Spark has no Unicode normalisation" in re.sub(r"\s+", " ", contract)
    else:  # a Spark NFC was added: the contract must not claim the difference any more
        assert "Spark has no Unicode normalisation" not in re.sub(r"\s+", " ", contract)
