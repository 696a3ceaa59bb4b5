"""Inngest events: a ``tracks`` row (event = name) plus an ``identifies`` row holding
the user's attributes; user_id is user.external_id, else user.email."""

from __future__ import annotations

from typing import Any

from idstitch.load.records import Reject, Row
from idstitch.load.shapes import INNGEST_KEYS
from idstitch.load.traits import Traits, is_identifier_name
from idstitch.load.values import (
    blank,
    id_text,
    json_object,
    json_text,
    kind_of,
    message_hash,
    parse_epoch_ms,
)


def inngest_rows(traits: Traits, msg: dict[str, Any]) -> list[tuple[str, Row]]:
    """The two rows an Inngest event writes, or ``Reject``."""
    for key in msg:
        if key not in INNGEST_KEYS:
            traits.ignore(key[:60])
    name = msg.get("name")
    if not isinstance(name, str):
        raise Reject("wrong_type", f'Inngest "name" must be a string, got {kind_of(name)}')
    if not name.strip():
        raise Reject("missing_event", "Inngest event with an empty name")
    data = json_object(msg.get("data"), "data")
    user = json_object(msg.get("user"), "user")
    event_id = id_text(msg.get("id"), "id")
    if blank(event_id):
        event_id = message_hash(msg)
    attributes = traits.traits(user, "user")
    if not any(not blank(value) for key, value in attributes.items() if is_identifier_name(key)):
        raise Reject(
            "no_identifier",
            "Inngest event without a user identifier (external_id, email, phone or *_id)",
        )
    if msg.get("ts") is None:
        raise Reject("missing_timestamp", "Inngest event without ts")
    timestamp = parse_epoch_ms(msg["ts"], "ts")
    user_id = attributes.get("external_id")
    if blank(user_id):
        user_id = None if blank(attributes.get("email")) else attributes.get("email")
    version = msg.get("v")
    base: Row = {
        "anonymous_id": None,
        "user_id": user_id,
        "timestamp": timestamp,
        "received_at": None,
        "sent_at": None,
        "original_timestamp": None,
    }
    track: Row = {
        "id": event_id,
        **base,
        "event": name,
        "properties": json_text(data) if data else None,
        "context": json_text({"inngest": {"v": version}}) if version is not None else None,
    }
    identify: Row = {"id": f"{event_id}:user", **base, "context": None, **attributes}
    return [("tracks", track), ("identifies", identify)]
