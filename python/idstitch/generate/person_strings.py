"""Per-person strings (user ids, email addresses, names, company, ...): numpy draws the
numbers, one DuckDB query renders them once per person."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from idstitch.generate.arrays import U64, Bool
from idstitch.generate.catalog import (
    COMPANY_NAMES,
    COMPANY_SUFFIXES,
    DOMAIN_WEIGHTS,
    DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
)
from idstitch.generate.hashing import derive, permute, pick, uniform
from idstitch.generate.spec import Spec
from idstitch.generate.streams import (
    S_BDAY,
    S_COMPANY,
    S_DOM1,
    S_DOM2,
    S_EMAILSTYLE,
    S_EXTSAME,
    S_FIRST,
    S_LAST,
    S_PATTERN,
    S_STRIPE,
    S_UIDHEX,
    S_UIDKIND,
)
from idstitch.generate.text import dictionary_strings, fixed_width_strings, hex_digits, sql_list

#: the view name ``PERSON_STRINGS_SQL`` reads the output of ``person_numbers`` from
PERSONS_VIEW = "_idstitch_gen_persons"


def person_numbers(spec: Spec, p: U64, person_hash: U64, full: Bool) -> pa.Table:
    """Per-person numbers that DuckDB turns into user ids, emails and other strings."""
    u_uid = uniform(person_hash, S_UIDKIND)
    uid_kind = np.where(full, pick(u_uid, (50, 42, 8)), -1)
    num = permute(p, spec.num_mod, 1, spec.seed)
    uid_num = permute(p, spec.num_mod, 2, spec.seed) + spec.num_mod // 10
    uid_hex = fixed_width_strings(hex_digits(derive(person_hash, S_UIDHEX))[:, :13])
    style = np.where(
        uid_kind == 2,
        pick(uniform(person_hash, S_EMAILSTYLE), (50, 20, 10, 20)),
        pick(uniform(person_hash, S_EMAILSTYLE), (85, 8, 4, 3)),
    )
    company = np.floor(uniform(person_hash, S_COMPANY) ** 3 * max(5, spec.persons // 40)).astype(
        np.int64
    )
    bday = np.floor(uniform(person_hash, S_BDAY) * (365.25 * 60)).astype(
        np.int64
    )  # from 1946-01-01
    return pa.table(
        {
            "uid_kind": pa.array(uid_kind.astype(np.int8)),
            "uid_num": pa.array(uid_num),
            "uid_hex": uid_hex,
            "num": pa.array(num),
            "pattern": pa.array(
                pick(uniform(person_hash, S_PATTERN), (45, 20, 15, 20)).astype(np.int8)
            ),
            "style": pa.array(style.astype(np.int8)),
            "first": dictionary_strings(
                np.floor(uniform(person_hash, S_FIRST) * len(FIRST_NAMES)), FIRST_NAMES
            ),
            "last": dictionary_strings(
                np.floor(uniform(person_hash, S_LAST) * len(LAST_NAMES)), LAST_NAMES
            ),
            "dom1": dictionary_strings(pick(uniform(person_hash, S_DOM1), DOMAIN_WEIGHTS), DOMAINS),
            "dom2": dictionary_strings(pick(uniform(person_hash, S_DOM2), DOMAIN_WEIGHTS), DOMAINS),
            "company": pa.array(company),
            "bday": pa.array(bday.astype(np.int32)),
            "ext_same": pa.array(uniform(person_hash, S_EXTSAME) < 0.5),
            "zendesk": pa.array(permute(p, spec.num_mod, 3, spec.seed) + 3 * spec.num_mod),
            "stripe": fixed_width_strings(hex_digits(derive(person_hash, S_STRIPE))[:, :14]),
        }
    )


CAPITALISED_LOCAL_SQL = """CASE pattern
        WHEN 0 THEN {f} || '.' || {l} || num::VARCHAR
        WHEN 1 THEN {f} || num::VARCHAR
        WHEN 2 THEN left({f}, 1) || {l} || num::VARCHAR
        ELSE {f} || '_' || {l} || num::VARCHAR END"""


def email_sql(local: str, cap: str, dom: str, style: str) -> str:
    return f"""CASE {style}
        WHEN 0 THEN {local} || '@' || {dom}
        WHEN 1 THEN {cap} || '@' || {dom}
        WHEN 2 THEN upper({local} || '@' || {dom})
        ELSE ' ' || {cap} || '@' || upper({dom}) || ' ' END"""


PERSON_STRINGS_SQL = f"""
WITH b AS (
    SELECT *,
        first::VARCHAR AS first_s,
        last::VARCHAR AS last_s,
        dom1::VARCHAR AS dom1_s,
        dom2::VARCHAR AS dom2_s,
        {CAPITALISED_LOCAL_SQL.format(f="first::VARCHAR", l="last::VARCHAR")} AS e1_cap,
        first::VARCHAR || '.' || last::VARCHAR || '.' || num::VARCHAR AS e2_cap
    FROM {PERSONS_VIEW}
), c AS (
    SELECT *, lower(e1_cap) AS e1_local, lower(e2_cap) AS e2_local FROM b
)
SELECT
    CASE uid_kind
        WHEN 0 THEN uid_num::VARCHAR
        WHEN 1 THEN uid_hex
        WHEN 2 THEN {email_sql("e1_local", "e1_cap", "dom1_s", "style")}
    END AS uid,
    e1_local, e1_cap, dom1_s AS e1_dom, e2_local, e2_cap, dom2_s AS e2_dom,
    style, first_s AS first_name, last_s AS last_name,
    lower(first_s) || CASE WHEN num % 3 = 0 THEN '_' ELSE '' END
        || lower(last_s) || (num % 1000)::VARCHAR AS username,
    {sql_list(COMPANY_NAMES)}[company % {len(COMPANY_NAMES)} + 1]
        || ' ' || {sql_list(COMPANY_SUFFIXES)}[
            (company // {len(COMPANY_NAMES)}) % {len(COMPANY_SUFFIXES)} + 1]
        || CASE WHEN company >= {len(COMPANY_NAMES) * len(COMPANY_SUFFIXES)}
            THEN ' ' || (company // {len(COMPANY_NAMES) * len(COMPANY_SUFFIXES)} + 1)::VARCHAR
            ELSE '' END AS company_name,
    'co_' || lpad(company::VARCHAR, 6, '0') AS company_id,
    strftime(DATE '1946-01-01' + bday, '%Y-%m-%d') AS birthday,
    bday,
    CASE WHEN ext_same THEN NULL ELSE 'crm-' || (num + 700000)::VARCHAR END AS ext_crm,
    zendesk::VARCHAR AS zendesk_id,
    'cus_' || stripe AS stripe_customer_id
FROM c
"""
