"""Tests for ``idstitch generate``: the awkward cases of real tracking data are all there, in
realistic proportions (determinism, shape, outputs and CLI are in test_generate.py)."""

from __future__ import annotations

import re

import duckdb
import generate_support
from generate_support import one

from idstitch.generate import JUNK_IDS

data = generate_support.data
con = generate_support.con


# --- the awkward cases ---------------------------------------------------------------


def test_most_persons_are_anonymous_only(con: duckdb.DuckDBPyConnection) -> None:
    share = one(
        con,
        """
        with p as (
            select true_person, bool_or(user_id is not null) as has_user from events group by 1
        ), e as (
            select distinct true_person from identifies where email like '%@%'
        )
        select avg(case when not has_user and e.true_person is null then 1 else 0 end)
        from p left join e using (true_person)
        """,
    )
    assert isinstance(share, float) and 0.5 < share < 0.75


def test_persons_have_several_anonymous_ids(con: duckdb.DuckDBPyConnection) -> None:
    counts = dict(
        con.execute(
            """
            select n, count(*) from (
                select true_person, count(distinct anonymous_id) as n from events
                where anonymous_id is not null and length(anonymous_id) = 36
                    and anonymous_id <> '00000000-0000-0000-0000-000000000000'
                group by 1
            ) group by 1
            """
        ).fetchall()
    )
    assert counts[1] > counts[2] > counts[3] > 0
    assert max(counts) >= 5
    # web ids are lower case, iOS ids upper case
    upper = one(con, "select count(*) from events where anonymous_id similar to '[0-9A-F-]{36}'")
    lower = one(con, "select count(*) from events where anonymous_id similar to '[0-9a-f-]{36}'")
    assert isinstance(upper, int) and isinstance(lower, int)
    assert upper > 0 and lower > upper


def test_soft_registration_without_user_id(con: duckdb.DuckDBPyConnection) -> None:
    soft = one(
        con,
        "select count(*) from identifies where user_id is null and anonymous_id is not null "
        "and email like '%@%'",
    )
    assert isinstance(soft, int) and soft > 50
    # some soft registrations are followed by a full registration on the same device
    later_full = one(
        con,
        """
        select count(distinct s.anonymous_id)
        from identifies s join identifies f
            on f.anonymous_id = s.anonymous_id and f.user_id is not null
            and f."timestamp" > s."timestamp"
        where s.user_id is null and s.email like '%@%'
        """,
    )
    assert isinstance(later_full, int) and later_full > 10


def test_full_registration_with_traits(con: duckdb.DuckDBPyConnection) -> None:
    full = one(
        con,
        "select count(*) from identifies where user_id is not null and anonymous_id is not null "
        "and email like '%@%' and created_at is not null",
    )
    assert isinstance(full, int) and full > 100


def test_logins_link_devices_and_some_device_never_logs_in(
    con: duckdb.DuckDBPyConnection,
) -> None:
    linked = one(
        con,
        """
        select count(*) from (
            select user_id from identifies where user_id is not null and anonymous_id is not null
            group by 1 having count(distinct anonymous_id) >= 2
        )
        """,
    )
    assert isinstance(linked, int) and linked > 50
    # registered persons with a device whose events never carry a user_id or an email
    never = one(
        con,
        """
        with dev as (
            select e.true_person, e.anonymous_id,
                bool_or(e.user_id is not null) or bool_or(i.email is not null) as linked
            from events e left join identifies i on i.id = e.id
            where e.anonymous_id is not null and length(e.anonymous_id) = 36
            group by 1, 2
        )
        select count(distinct true_person) from dev d
        where not linked and exists (
            select 1 from events u where u.true_person = d.true_person and u.user_id is not null
        )
        """,
    )
    assert isinstance(never, int) and never > 20


def test_server_side_calls_without_anonymous_id(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("identifies", "tracks"):
        n = one(
            con, f"select count(*) from {table} where anonymous_id is null and user_id is not null"
        )
        assert isinstance(n, int) and n > 0, table


def test_email_as_user_id(con: duckdb.DuckDBPyConnection) -> None:
    n = one(con, "select count(distinct user_id) from events where user_id like '%_@_%._%'")
    assert isinstance(n, int) and n > 5
    odd = one(
        con,
        "select count(distinct user_id) from events where user_id like '%@%' "
        "and (user_id <> lower(user_id) or user_id <> trim(user_id))",
    )
    assert isinstance(odd, int) and odd > 0


def test_email_changes(con: duckdb.DuckDBPyConnection) -> None:
    n = one(
        con,
        """
        select count(*) from (
            select user_id from identifies
            where user_id is not null and email like '%@%'
            group by 1 having count(distinct lower(trim(email))) >= 2
        )
        """,
    )
    assert isinstance(n, int) and n > 3


def test_mixed_case_padded_empty_and_junk_emails(con: duckdb.DuckDBPyConnection) -> None:
    counts = con.execute(
        """
        select
            count(*) filter (where email like '%@%' and email <> lower(email)),
            count(*) filter (where email like '%@%' and email <> trim(email)),
            count(*) filter (where regexp_full_match(email, ' [A-Z][^ ]*@[A-Z0-9.]+ ')),
            count(*) filter (where email = ''),
            count(*) filter (where email in ('null', 'undefined', 'N/A', 'None')),
            count(*) filter (where email like '%@%')
        from identifies
        """
    ).fetchone()
    assert counts is not None
    mixed, padded, jane_style, empty, junk, total = counts
    assert mixed > 0.05 * total and padded > 0 and jane_style > 0
    assert empty > 0 and junk > 0
    # one address appears in several renderings
    renderings = one(
        con,
        """
        select max(n) from (
            select lower(trim(email)), count(distinct email) as n from identifies
            where email like '%@%' group by 1
        )
        """,
    )
    assert isinstance(renderings, int) and renderings >= 2


def test_formatted_and_too_short_phones(con: duckdb.DuckDBPyConnection) -> None:
    phones = [
        r[0] for r in con.execute("select phone from identifies where phone is not null").fetchall()
    ]
    assert any(re.fullmatch(r"\+1 \(\d{3}\) \d{3}-\d{4}", p) for p in phones)
    assert any(re.fullmatch(r"\d{3}\.\d{3}\.\d{4}", p) for p in phones)
    assert any(re.fullmatch(r"\d{3}-\d{3}-\d{4}", p) for p in phones)
    short = [p for p in phones if len(re.sub(r"\D", "", p)) < 7]
    assert short and len(short) < 0.1 * len(phones)
    # a person's number is written in several formats
    digits = {re.sub(r"\D", "", p)[-10:] for p in phones if len(re.sub(r"\D", "", p)) >= 10}
    assert len(digits) < len(set(phones))


def test_identifier_traits(con: duckdb.DuckDBPyConnection) -> None:
    ext_same, ext_crm, zendesk, stripe, stripe_camel = con.execute(
        """
        select
            count(*) filter (where external_id = user_id),
            count(*) filter (where external_id like 'crm-%'),
            count(zendesk_id),
            count(stripe_customer_id),
            count(*) filter (where "stripeCustomerId" is not null and stripe_customer_id is null)
        from identifies
        """
    ).fetchone()  # type: ignore[misc]
    assert ext_same > 0 and ext_crm > 0 and zendesk > 0 and stripe > 0 and stripe_camel > 0
    assert (
        one(con, "select count(*) from identifies where not stripe_customer_id like 'cus_%'") == 0
    )


def test_camel_case_first_name_column(con: duckdb.DuckDBPyConnection) -> None:
    camel = one(
        con, 'select count(*) from identifies where "firstName" is not null and first_name is null'
    )
    both = one(
        con,
        'select count(*) from identifies where "firstName" is not null and first_name is not null',
    )
    assert isinstance(camel, int) and camel > 0 and both == 0


def test_reserved_traits_present(con: duckdb.DuckDBPyConnection) -> None:
    for column in (
        "first_name", "last_name", "name", "username", "title", "gender", "age", "birthday",
        "created_at", "address_city", "address_country", "company_name", "company_id", "plan",
    ):  # fmt: skip
        n = one(con, f'select count("{column}") from identifies')
        assert isinstance(n, int) and n > 10, column
    assert (
        one(
            con,
            "select count(*) from identifies "
            "where not regexp_full_match(birthday, '\\d{4}-\\d{2}-\\d{2}')",
        )
        == 0
    )
    lo, hi = con.execute("select min(age), max(age) from identifies").fetchone()  # type: ignore[misc]
    assert 16 <= lo <= hi <= 80


def test_company_id_is_shared_by_many_persons(con: duckdb.DuckDBPyConnection) -> None:
    biggest = one(
        con,
        """
        select max(n) from (
            select company_id, count(distinct true_person) as n from identifies
            where company_id is not null group by 1
        )
        """,
    )
    assert isinstance(biggest, int) and biggest >= 10


def test_every_junk_id_appears(con: duckdb.DuckDBPyConnection) -> None:
    in_anon = {r[0] for r in con.execute("select distinct anonymous_id from events").fetchall()}
    in_user = {r[0] for r in con.execute("select distinct user_id from events").fetchall()}
    for junk in JUNK_IDS:
        assert junk in in_anon, repr(junk)
        assert junk in in_user, repr(junk)
    rate = one(
        con,
        "select avg(case when anonymous_id in ("
        + ", ".join(f"'{j}'" for j in JUNK_IDS)
        + ") then 1 else 0 end) from events",
    )
    assert isinstance(rate, float) and rate < 0.01


def test_exact_and_late_duplicates(con: duckdb.DuckDBPyConnection) -> None:
    exact, late = con.execute(
        """
        select count(*) filter (where n_rec = 1), count(*) filter (where n_rec > 1)
        from (
            select id, count(*) as n, count(distinct received_at) as n_rec from events
            group by id having count(*) > 1
        )
        """
    ).fetchone()  # type: ignore[misc]
    assert exact > 0 and late > 0
    # exact duplicates are whole identical rows
    whole = one(
        con,
        """
        select count(*) from (
            select id from tracks
            group by id, anonymous_id, user_id, "timestamp", received_at, event, true_person
            having count(*) = 2
        )
        """,
    )
    assert isinstance(whole, int) and whole > 0


def test_out_of_order_and_future_timestamps(con: duckdb.DuckDBPyConnection) -> None:
    ooo = one(
        con,
        """
        select count(*) from (
            select "timestamp" < lag("timestamp") over (
                partition by anonymous_id order by received_at, id) as earlier
            from events where anonymous_id is not null and length(anonymous_id) = 36
        ) where earlier
        """,
    )
    assert isinstance(ooo, int) and ooo > 20
    future = one(
        con, 'select count(*) from events where "timestamp" > received_at + interval 300 day'
    )
    total = one(con, "select count(*) from events")
    assert isinstance(future, int) and isinstance(total, int)
    assert 0 < future < 0.005 * total


def test_shared_devices_and_a_kiosk(con: duckdb.DuckDBPyConnection) -> None:
    sharing = dict(
        con.execute(
            """
            select anonymous_id, count(distinct true_person) from events
            where anonymous_id is not null and length(anonymous_id) = 36
                and anonymous_id <> '00000000-0000-0000-0000-000000000000'
            group by 1 having count(distinct true_person) > 1
            """
        ).fetchall()
    )
    assert 2 in sharing.values()  # two persons on one device
    kiosk = max(sharing.values())
    assert 40 <= kiosk <= 60  # the kiosk
    kiosk_users = one(
        con,
        "select count(distinct user_id) from identifies where anonymous_id = "
        "(select anonymous_id from events where length(anonymous_id) = 36 "
        "group by 1 order by count(distinct true_person) desc limit 1)",
    )
    assert isinstance(kiosk_users, int) and kiosk_users >= 40
