"""Raw tables shaped as Segment and RudderStack write them to a warehouse, for the tests of
which columns are traits and identifiers (test_warehouse_shapes.py).

Segment flattens an identify call's traits into columns of ``identifies`` (``email``,
``phone``, ``first_name``) beside ``context_*`` device columns. RudderStack writes the
traits a second time under ``context_traits_<trait>`` (and on tracks and pages too), so a
trait may be only in its ``context_traits_*`` column, only in its own, or in both.

Each fixture is a set of people; ``EXPECTED`` names, per person, the identifiers (type,
value) a build must put together. Phones are given as their last ten digits, which a
normalisation of any shape keeps (the tests compare those).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

T0 = datetime(2024, 3, 1, 12, 0, 0)

Row = dict[str, Any]
Tables = dict[str, list[Row]]
Identifier = tuple[str, str]


def _at(minute: int) -> dict[str, datetime]:
    moment = T0 + timedelta(minutes=minute)
    return {"timestamp": moment, "received_at": moment + timedelta(seconds=2)}


def _rudderstack_context(device: str) -> Row:
    return {
        "context_ip": "203.0.113.7",
        "context_library_name": "rudder-analytics-js",
        "context_library_version": "3.7.1",
        "context_locale": "en-GB",
        "context_device_id": device,
        "channel": "web",
    }


def rudderstack_tables() -> Tables:
    """Alice is seen with her traits only as ``context_traits_*`` (a second identify call
    carries only her zendesk id, from a new device). Bob's first call has his email in both
    spellings (the top-level one wins), his second only as ``context_traits_email``. Both
    share a ``context_device_id`` (device metadata, no identifier). A visitor's track
    carries Alice's email as ``context_traits_email``: tracks' traits are not read, so the
    visitor stays anonymous. ``context_traits_user_id`` keeps its name (``user_id`` is an
    event column)."""
    identifies = [
        {
            "id": "rs-i1",
            "anonymous_id": "rs-a1",
            "user_id": "u-alice",
            **_at(0),
            "event_text": "identify",
            "context_traits_email": "alice@example.com",
            "context_traits_phone": "+1 (415) 555-0101",
            "context_traits_first_name": "Alice",
            "context_traits_last_name": "Liddell",
            "context_traits_zendesk_id": "zd-1",
            "context_traits_user_id": "u-alice",
            **_rudderstack_context("dev-shared"),
        },
        {
            "id": "rs-i2",
            "anonymous_id": "rs-a2",
            "user_id": None,
            **_at(5),
            "event_text": "identify",
            "context_traits_zendesk_id": "zd-1",
            **_rudderstack_context("dev-alice-2"),
        },
        {
            "id": "rs-i3",
            "anonymous_id": "rs-b1",
            "user_id": "u-bob",
            **_at(10),
            "event_text": "identify",
            "email": "bob@example.com",
            "first_name": "Bob",
            "context_traits_email": "bob.old@example.com",
            "context_traits_first_name": "Robert",
            "context_traits_phone": "415.555.0202",
            **_rudderstack_context("dev-shared"),
        },
        {
            "id": "rs-i4",
            "anonymous_id": "rs-b1",
            "user_id": "u-bob",
            **_at(20),
            "event_text": "identify",
            "email": None,
            "context_traits_email": "bob.work@example.com",
            **_rudderstack_context("dev-shared"),
        },
    ]
    tracks = [
        {
            "id": "rs-t1",
            "anonymous_id": "rs-a1",
            "user_id": "u-alice",
            **_at(1),
            "event": "order_completed",
            "event_text": "Order Completed",
            "context_traits_email": "alice@example.com",
            **_rudderstack_context("dev-shared"),
        },
        {
            "id": "rs-t2",
            "anonymous_id": "rs-c1",
            "user_id": None,
            **_at(30),
            "event": "newsletter_viewed",
            "event_text": "Newsletter Viewed",
            "context_traits_email": "alice@example.com",
            **_rudderstack_context("dev-visitor"),
        },
    ]
    pages = [
        {
            "id": "rs-p1",
            "anonymous_id": "rs-b1",
            "user_id": None,
            **_at(11),
            "name": "Pricing",
            "path": "/pricing",
            "url": "https://example.com/pricing",
            "title": "Pricing",
            "referrer": "",
            "context_traits_email": "bob@example.com",
            **_rudderstack_context("dev-shared"),
        }
    ]
    return {"identifies": identifies, "tracks": tracks, "pages": pages}


RUDDERSTACK_EXPECTED: dict[str, set[Identifier]] = {
    "alice": {
        ("anonymous_id", "rs-a1"),
        ("anonymous_id", "rs-a2"),
        ("external_id", "u-alice"),
        ("email", "alice@example.com"),
        ("phone", "4155550101"),
        ("zendesk_id", "zd-1"),
    },
    "bob": {
        ("anonymous_id", "rs-b1"),
        ("external_id", "u-bob"),
        ("email", "bob@example.com"),
        ("email", "bob.work@example.com"),
        ("phone", "4155550202"),
    },
    "visitor": {("anonymous_id", "rs-c1")},
}


def _segment_context(ip: str) -> Row:
    return {
        "context_ip": ip,
        "context_library_name": "analytics.js",
        "context_library_version": "next-1.70.0",
        "context_page_path": "/signup",
        "context_user_agent": "Mozilla/5.0",
        "sent_at": T0.isoformat() + "Z",
    }


def segment_tables() -> Tables:
    """Dana and Eve work for one company (``company_id``, no identifier of a person) and
    send every trait as a top-level column; Dana's second device is linked by a track
    call that carries her user id, Eve's stripe id (camelCase) joins a later anonymous
    identify call to her."""
    identifies = [
        {
            "id": "sg-i1",
            "anonymous_id": "sg-d1",
            "user_id": "u-dana",
            **_at(0),
            "email": "dana@example.com",
            "phone": "(415) 555-0303",
            "first_name": "Dana",
            "last_name": "Scully",
            "plan": "pro",
            "company_id": "co-1",
            "company_name": "Acme",
            **_segment_context("198.51.100.1"),
        },
        {
            "id": "sg-i2",
            "anonymous_id": "sg-e1",
            "user_id": "u-eve",
            **_at(3),
            "email": "eve@example.com",
            "first_name": "Eve",
            "plan": "free",
            "stripeCustomerId": "cus_eve",
            "company_id": "co-1",
            "company_name": "Acme",
            **_segment_context("198.51.100.2"),
        },
        {
            "id": "sg-i3",
            "anonymous_id": "sg-e2",
            "user_id": None,
            **_at(9),
            "stripeCustomerId": "cus_eve",
            **_segment_context("198.51.100.2"),
        },
    ]
    tracks = [
        {
            "id": "sg-t1",
            "anonymous_id": "sg-d2",
            "user_id": "u-dana",
            **_at(6),
            "event": "signed_up",
            "event_text": "Signed Up",
            **_segment_context("198.51.100.1"),
        }
    ]
    pages = [
        {
            "id": "sg-p1",
            "anonymous_id": "sg-d2",
            "user_id": None,
            **_at(7),
            "name": "Home",
            "path": "/",
            "url": "https://example.com/",
            "title": "Home",
            "referrer": "",
            **_segment_context("198.51.100.1"),
        }
    ]
    return {"identifies": identifies, "tracks": tracks, "pages": pages}


SEGMENT_EXPECTED: dict[str, set[Identifier]] = {
    "dana": {
        ("anonymous_id", "sg-d1"),
        ("anonymous_id", "sg-d2"),
        ("external_id", "u-dana"),
        ("email", "dana@example.com"),
        ("phone", "4155550303"),
    },
    "eve": {
        ("anonymous_id", "sg-e1"),
        ("anonymous_id", "sg-e2"),
        ("external_id", "u-eve"),
        ("email", "eve@example.com"),
        ("stripe_customer_id", "cus_eve"),
    },
}
