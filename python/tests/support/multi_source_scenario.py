"""A multi-source Segment warehouse (issue 15, docs/contract.md "Several sources"), with the
persons it holds written by hand from the story below.

Three Segment sources, one schema each, as a company with a source per platform has them:

* ``web_prod``: identifies, tracks, pages (a ``plan`` trait);
* ``ios_prod``: identifies, screens, aliases, no pages and no tracks (a ``device_model`` trait
  instead of ``plan``: the sources differ in columns);
* ``server``: identifies and tracks only.

The story:

* Jane signs up on the web (anonymous ``web-anon-1``, user id ``jane-42``, her email), views a
  page and tracks ``Signed Up``. On iOS she is first anonymous ``ios-anon-1`` and identifies
  with her email in capitals only (no user id): the shared email links it to her. After a
  reinstall (``ios-anon-2``) she views a screen, then the app calls ``alias(ios-anon-2,
  jane-42)``: the alias links it to her. The server identifies her by user id and tracks
  two purchases; one of them was delivered twice (``srv-t-2``, one source: counted once).
* Message id ``shared-1`` is a track of Jane's on the web and a track of Jane's on the server:
  two events, both counted. Message id ``web-i-1`` is Jane's identify on the web and Carol's
  identify on iOS: two events of two persons.
* Bob exists on the server only: an identify with his email and one track.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

T0 = datetime(2024, 6, 1, 9, 0, 0)
SOURCE_NAMES = ("web_prod", "ios_prod", "server")


def _event(message_id: str, minute: int, **columns: Any) -> dict[str, Any]:
    return {
        "id": message_id,
        "timestamp": T0 + timedelta(minutes=minute),
        "received_at": T0 + timedelta(minutes=minute, seconds=1),
        **columns,
    }


def source_tables() -> dict[str, dict[str, list[dict[str, Any]]]]:
    """source name -> raw table -> rows (only the tables the source has)."""
    return {
        "web_prod": {
            "identifies": [
                _event(
                    "web-i-1",
                    1,
                    anonymous_id="web-anon-1",
                    user_id="jane-42",
                    email="jane@example.com",
                    plan="pro",
                ),
            ],
            "pages": [_event("web-p-1", 2, anonymous_id="web-anon-1", name="Pricing")],
            "tracks": [
                _event(
                    "web-t-1", 3, anonymous_id="web-anon-1", user_id="jane-42", event="Signed Up"
                ),
                _event("shared-1", 4, anonymous_id="web-anon-1", event="Cart Viewed"),
            ],
        },
        "ios_prod": {
            "identifies": [
                _event("ios-i-1", 5, anonymous_id="ios-anon-1", email="JANE@example.com"),
                # the same message id as Jane's web identify: Carol's, another event
                _event(
                    "web-i-1",
                    6,
                    anonymous_id="ios-anon-9",
                    user_id="carol-3",
                    device_model="iPhone15,2",
                ),
            ],
            "screens": [_event("ios-s-1", 7, anonymous_id="ios-anon-2", name="Home")],
            "aliases": [
                _event(
                    "ios-a-1",
                    8,
                    anonymous_id="ios-anon-2",
                    previous_id="ios-anon-2",
                    user_id="jane-42",
                ),
            ],
        },
        "server": {
            "identifies": [
                _event("srv-i-1", 9, user_id="jane-42"),
                _event("srv-i-2", 10, user_id="bob-7", email="bob@example.com"),
            ],
            "tracks": [
                _event("shared-1", 11, user_id="jane-42", event="Order Completed"),
                _event("srv-t-2", 12, user_id="jane-42", event="Order Completed"),
                # delivered twice: one event
                _event("srv-t-2", 12, user_id="jane-42", event="Order Completed"),
                _event("srv-t-3", 13, user_id="bob-7", event="Order Completed"),
            ],
        },
    }


# external_id -> the users row's columns this scenario decides, derived by hand above.
EXPECTED_USERS: dict[str, dict[str, Any]] = {
    "jane-42": {
        "email": "jane@example.com",
        "anonymous_id_count": 3,  # web-anon-1, ios-anon-1, ios-anon-2
        "identifier_count": 5,  # + jane-42, jane@example.com
        "identify_count": 3,  # web-i-1 (web), ios-i-1, srv-i-1
        "track_count": 4,  # web-t-1, shared-1 (web), shared-1 (server), srv-t-2 once
        "page_count": 1,
        "screen_count": 1,
        "plan": "pro",
    },
    "carol-3": {
        "email": None,
        "anonymous_id_count": 1,
        "identifier_count": 2,
        "identify_count": 1,
        "track_count": 0,
        "page_count": 0,
        "screen_count": 0,
        "plan": None,
    },
    "bob-7": {
        "email": "bob@example.com",
        "anonymous_id_count": 0,
        "identifier_count": 2,
        "identify_count": 1,
        "track_count": 1,
        "page_count": 0,
        "screen_count": 0,
        "plan": None,
    },
}

# (source_name, event_table, event_id) -> the external_id of its person.
EXPECTED_EVENTS: dict[tuple[str, str, str], str] = {
    ("web_prod", "identifies", "web-i-1"): "jane-42",
    ("web_prod", "pages", "web-p-1"): "jane-42",
    ("web_prod", "tracks", "web-t-1"): "jane-42",
    ("web_prod", "tracks", "shared-1"): "jane-42",
    ("ios_prod", "identifies", "ios-i-1"): "jane-42",
    ("ios_prod", "identifies", "web-i-1"): "carol-3",
    ("ios_prod", "screens", "ios-s-1"): "jane-42",
    ("ios_prod", "aliases", "ios-a-1"): "jane-42",
    ("server", "identifies", "srv-i-1"): "jane-42",
    ("server", "identifies", "srv-i-2"): "bob-7",
    ("server", "tracks", "shared-1"): "jane-42",
    ("server", "tracks", "srv-t-2"): "jane-42",
    ("server", "tracks", "srv-t-3"): "bob-7",
}

# (table, example_value) of the table_skipped rows of idstitch_data_quality.
EXPECTED_SKIPPED = {
    ("tracks", "ios_prod: not_found"),
    ("pages", "ios_prod: not_found"),
    ("pages", "server: not_found"),
    ("screens", "web_prod: not_found"),
    ("screens", "server: not_found"),
    ("aliases", "web_prod: not_found"),
    ("aliases", "server: not_found"),
}
