"""Rendering: one SELECT per table turns a raw chunk into the final Segment columns."""

from __future__ import annotations

from datetime import date

import duckdb

from idstitch.generate.catalog import (
    CITIES,
    COLUMNS,
    JUNK_IDS,
    PAGES_CATALOG,
    SHORT_PHONES,
    SITE,
)
from idstitch.generate.person_strings import email_sql
from idstitch.generate.text import sql_list

_JUNK = sql_list(JUNK_IDS)
_COMMON_SQL = f"""
    id,
    CASE WHEN anon_code = -2 THEN NULL
         WHEN anon_code >= 0 THEN {_JUNK}[anon_code + 1]
         ELSE anon END AS anonymous_id,
    CASE WHEN uid_code >= 0 THEN {_JUNK}[uid_code + 1] ELSE uid END AS user_id,
    ts AS "timestamp",
    rec AS received_at"""

_PHONE_SQL = f"""CASE
        WHEN phone_fmt < 0 THEN NULL
        WHEN phone_short THEN {sql_list(SHORT_PHONES)}[short_i + 1]
        WHEN phone_fmt = 0 THEN printf('+1 (%03d) %03d-%04d', area, local // 10000, local % 10000)
        WHEN phone_fmt = 1 THEN printf('%03d.%03d.%04d', area, local // 10000, local % 10000)
        WHEN phone_fmt = 2 THEN printf('%03d-%03d-%04d', area, local // 10000, local % 10000)
        WHEN phone_fmt = 3 THEN printf('+1%03d%03d%04d', area, local // 10000, local % 10000)
        ELSE printf('%03d %03d %04d', area, local // 10000, local % 10000) END"""


def _identifies_body(start: date) -> str:
    """The trait columns of identifies, from the person strings and row flags."""
    cities = sql_list(tuple(c[0] for c in CITIES))
    countries = sql_list(tuple(c[1] for c in CITIES))
    email1 = email_sql("p_e1_local", "p_e1_cap", "p_e1_dom", "style")
    email2 = email_sql("p_e2_local", "p_e2_cap", "p_e2_dom", "style")
    return f"""{_COMMON_SQL},
    CASE email_sel
        WHEN -1 THEN NULL
        WHEN 0 THEN {email1}
        WHEN 1 THEN {email2}
        WHEN 2 THEN ''
        ELSE ['null', 'undefined', 'N/A', 'None'][style + 1] END AS email,
    {_PHONE_SQL} AS phone,
    CASE WHEN s_ext THEN coalesce(p_ext_crm, uid) END AS external_id,
    CASE WHEN s_names AND NOT camel THEN p_first_name END AS first_name,
    CASE WHEN s_names THEN p_last_name END AS last_name,
    CASE WHEN s_fullname OR s_nameonly THEN p_first_name || ' ' || p_last_name END AS name,
    CASE WHEN s_names AND camel THEN p_first_name END AS "firstName",
    CASE WHEN s_username THEN p_username END AS username,
    title::VARCHAR AS title,
    gender::VARCHAR AS gender,
    CASE WHEN s_age THEN CAST(floor(
        (DATE '{start.isoformat()}' - (DATE '1946-01-01' + p_bday)) / 365.25) AS INTEGER)
    END AS age,
    CASE WHEN s_bday THEN p_birthday END AS birthday,
    created_at,
    {cities}[city + 1] AS address_city,
    {countries}[city + 1] AS address_country,
    CASE WHEN s_company THEN p_company_name END AS company_name,
    CASE WHEN s_company AND s_company_id THEN p_company_id END AS company_id,
    CASE WHEN s_zendesk THEN p_zendesk_id END AS zendesk_id,
    CASE WHEN s_stripe AND NOT camel THEN p_stripe_customer_id END AS stripe_customer_id,
    CASE WHEN s_stripe AND camel THEN p_stripe_customer_id END AS "stripeCustomerId",
    plan::VARCHAR AS plan"""


def final_sql(
    table: str, source: str, start: date, *, ordered: bool = False, truth: bool = False
) -> str:
    """The SELECT that renders a raw chunk registered as ``source``.

    Rows come out in ``source`` order when the connection preserves insertion order
    (DuckDB's default); ``ordered`` adds an explicit ORDER BY for when it does not.
    ``truth`` adds ``true_person``, the simulated person's number (not a Segment column).
    """
    if table == "tracks":
        body = f"{_COMMON_SQL},\n    event::VARCHAR AS event"
    elif table == "pages":
        names = sql_list(tuple(x[0] for x in PAGES_CATALOG))
        paths = sql_list(tuple(x[1] for x in PAGES_CATALOG))
        titles = sql_list(tuple(x[2] for x in PAGES_CATALOG))
        body = f"""{_COMMON_SQL},
    {names}[page + 1] AS name,
    {paths}[page + 1] AS path,
    '{SITE}' || {paths}[page + 1] AS url,
    {titles}[page + 1] AS title,
    ref::VARCHAR AS referrer"""
    else:
        body = _identifies_body(start)
    casts = ",\n    ".join(f'CAST("{name}" AS {typ}) AS "{name}"' for name, typ in COLUMNS[table])
    if truth:
        casts += ",\n    pg AS true_person"
    order = "\nORDER BY _ord" if ordered else ""
    return f"SELECT\n    {casts}\nFROM (SELECT _ord, pg, {body}\nFROM {source}){order}"


def preserves_order(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    return bool(row and row[0])
