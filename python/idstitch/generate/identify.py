"""The raw ``identifies`` chunk: which traits each identify call shows, which email
address and rendering it sends, phone formats, camelCase columns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from idstitch.generate.arrays import I64, U64, Bool
from idstitch.generate.calls import Calls
from idstitch.generate.catalog import CITIES, GENDERS, PLANS, SHORT_PHONES, TITLES
from idstitch.generate.devices import Devices
from idstitch.generate.hashing import permute, pick, uniform, uniform4
from idstitch.generate.population import Persons
from idstitch.generate.rates import (
    HAS_TRAIT,
    K_REGISTER,
    K_REID,
    N_TRAITS,
    P_FULL,
    SHOWS_TRAIT,
    T_ADDRESS,
    T_AGE,
    T_BDAY,
    T_COMPANY,
    T_CREATED,
    T_EMAIL,
    T_EXT,
    T_FULLNAME,
    T_GENDER,
    T_NAMEONLY,
    T_NAMES,
    T_PHONE,
    T_PLAN,
    T_STRIPE,
    T_TITLE,
    T_USERNAME,
    T_ZENDESK,
    US,
)
from idstitch.generate.rows import common_columns
from idstitch.generate.spec import Spec
from idstitch.generate.streams import (
    S_AREA,
    S_CITY,
    S_EMPTY,
    S_GENDER,
    S_PHFMT,
    S_PLAN,
    S_SERVER,
    S_SHORT,
    S_SHORTI,
    S_STYLE2,
    S_STYLEVAR,
    S_TITLE,
    S_TRAIT,
)
from idstitch.generate.text import dictionary_strings, take

# person strings copied onto each identify row (prefixed ``p_``)
PERSON_COLUMNS = (
    "e1_local", "e1_cap", "e1_dom", "e2_local", "e2_cap", "e2_dom", "first_name",
    "last_name", "username", "company_name", "company_id", "birthday", "bday",
    "ext_crm", "zendesk_id", "stripe_customer_id",
)  # fmt: skip


def _shown_traits(row_hash: U64, person_hash: U64, kind: I64, is_full: I64) -> tuple[Any, Bool]:
    """(traits x rows) whether a row shows the trait, and the name-only rows."""
    show = np.zeros((N_TRAITS, len(row_hash)), dtype=bool)
    for t in range(N_TRAITS):
        has = uniform(person_hash, S_TRAIT + t) < HAS_TRAIT[t, is_full]
        show[t] = has & (uniform(row_hash, S_TRAIT + t) < SHOWS_TRAIT[t, kind])
    show[T_FULLNAME] &= show[T_NAMES]
    has_names = uniform(person_hash, S_TRAIT + T_NAMES) < HAS_TRAIT[T_NAMES, is_full]
    name_only = show[T_NAMEONLY] & ~show[T_NAMES] & has_names
    name_only &= uniform(row_hash, S_TRAIT + 40) < 0.1
    return show, name_only


def _email_columns(
    row_hash: U64, shown: Bool, second: Bool, person_style: I64
) -> dict[str, pa.Array]:
    """Which address (0 first, 1 second, 2 empty string, 3 junk, -1 none) and its
    rendering (lower case, capitalised, upper case, padded)."""
    u_empty = uniform(row_hash, S_EMPTY)
    email_sel = np.where(
        shown,
        np.where(u_empty < 0.02, 2, np.where(u_empty < 0.023, 3, second.astype(np.int64))),
        -1,
    )
    style = np.where(
        uniform(row_hash, S_STYLEVAR) < 0.3,
        pick(uniform(row_hash, S_STYLE2), (60, 15, 10, 15)),
        person_style,
    )
    return {
        "email_sel": pa.array(email_sel.astype(np.int8)),
        "style": pa.array(style.astype(np.int8)),
    }


def _phone_columns(
    spec: Spec, row_hash: U64, person_hash: U64, person_number: U64, shown: Bool
) -> dict[str, pa.Array]:
    """A number per person, its format per row; 3% of holders send a too-short phone."""
    phone_fmt = np.where(shown, pick(uniform(row_hash, S_PHFMT), (30, 20, 20, 15, 15)), -1)
    area = 201 + np.floor(uniform(person_hash, S_AREA) * 789).astype(np.int64)
    short_i = np.floor(uniform(person_hash, S_SHORTI) * len(SHORT_PHONES)).astype(np.int64)
    return {
        "phone_fmt": pa.array(phone_fmt.astype(np.int8)),
        "phone_short": pa.array(uniform(person_hash, S_SHORT) < 0.03),
        "area": pa.array(area),
        "local": pa.array(permute(person_number, 10_000_000, 4, spec.seed)),
        "short_i": pa.array(short_i),
    }


def identify_table(
    spec: Spec,
    calls: Calls,
    persons: Persons,
    devices: Devices,
    user_ids: pa.Array,
    person_strings: pa.Table,
) -> pa.Table:
    """The raw ``identifies`` chunk; ``person_strings`` from ``PERSON_STRINGS_SQL``.

    Long because it lists every trait column once; the decisions are in the helpers."""
    assert calls.kind is not None
    server = (calls.kind == K_REID) & (uniform4(calls.hash, S_SERVER)[0] < 0.15)
    cols, rep = common_columns(spec, calls, persons, devices, ~server, user_ids)
    row_hash = calls.hash[rep]
    kind = calls.kind[rep]
    person = calls.person[rep]
    person_hash = persons.hash[person]
    is_full = (persons.kind[person] == P_FULL).astype(np.int64)
    show, name_only = _shown_traits(row_hash, person_hash, kind, is_full)
    second = calls.at[rep] >= persons.email_changed_at[calls.person][rep]
    person_style = np.asarray(person_strings.column("style").to_numpy(), dtype=np.int64)[person]
    registered_s = np.floor(persons.registered_at[calls.person][rep])
    plan = np.where(kind == K_REGISTER, 0, pick(uniform(row_hash, S_PLAN), (40, 35, 15, 10)))
    titles = np.floor(uniform(person_hash, S_TITLE) * len(TITLES))
    genders = pick(uniform(person_hash, S_GENDER), (30, 30, 8, 8, 6, 6, 2, 1))
    cities = np.floor(uniform(person_hash, S_CITY) * len(CITIES)).astype(np.int16)
    cols.update(_email_columns(row_hash, show[T_EMAIL], second, person_style))
    cols.update(_phone_columns(spec, row_hash, person_hash, persons.number[person], show[T_PHONE]))
    cols.update(
        {
            "s_ext": pa.array(show[T_EXT]),
            "s_names": pa.array(show[T_NAMES]),
            "s_fullname": pa.array(show[T_FULLNAME]),
            "s_nameonly": pa.array(name_only),
            "s_username": pa.array(show[T_USERNAME]),
            "title": dictionary_strings(titles, TITLES, ~show[T_TITLE]),
            "gender": dictionary_strings(genders, GENDERS, ~show[T_GENDER]),
            "s_age": pa.array(show[T_AGE]),
            "s_bday": pa.array(show[T_BDAY]),
            "created_at": pa.array(
                (registered_s * US).astype(np.int64),
                type=pa.timestamp("us"),
                mask=~show[T_CREATED],
            ),
            "city": pa.array(cities, mask=~show[T_ADDRESS]),
            "s_company": pa.array(show[T_COMPANY]),
            "s_company_id": pa.array(uniform(row_hash, S_TRAIT + 41) < 0.9),
            "s_zendesk": pa.array(show[T_ZENDESK]),
            "s_stripe": pa.array(show[T_STRIPE]),
            "camel": pa.array(devices.camel[calls.device[rep]] & ~server[rep]),
            "plan": dictionary_strings(plan, PLANS, ~show[T_PLAN]),
        }
    )
    for name in PERSON_COLUMNS:
        cols["p_" + name] = take(person_strings.column(name), person)
    return pa.table(cols)
