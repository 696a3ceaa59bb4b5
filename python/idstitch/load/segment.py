"""Segment / Customer.io spec messages: identify -> identifies, track -> tracks, page ->
pages, screen -> screens, alias -> aliases."""

from __future__ import annotations

from typing import Any

from idstitch.load.records import Reject, Row
from idstitch.load.shapes import PAGE_FIELDS, SEGMENT_KEYS_BY_TYPE
from idstitch.load.traits import Traits, is_identifier_name
from idstitch.load.values import (
    blank,
    first_of,
    id_text,
    json_object,
    json_text,
    kind_of,
    message_hash,
    parse_timestamp,
    scalar_text,
)


def _common_row(msg: dict[str, Any]) -> Row:
    """Ids and timestamps; ``timestamp`` falls back to receivedAt, then originalTimestamp."""
    user_id = id_text(first_of(msg, "userId", "user_id"), "userId")
    anonymous_id = id_text(first_of(msg, "anonymousId", "anonymous_id"), "anonymousId")
    message_id = id_text(first_of(msg, "messageId", "message_id"), "messageId")
    if blank(message_id):
        message_id = message_hash(msg)
    timestamp = parse_timestamp(msg.get("timestamp"), "timestamp")
    received_at = parse_timestamp(first_of(msg, "receivedAt", "received_at"), "receivedAt")
    sent_at = parse_timestamp(first_of(msg, "sentAt", "sent_at"), "sentAt")
    original = parse_timestamp(
        first_of(msg, "originalTimestamp", "original_timestamp"), "originalTimestamp"
    )
    if timestamp is None:
        timestamp = received_at if received_at is not None else original
    if timestamp is None:
        raise Reject("missing_timestamp", "no timestamp, receivedAt or originalTimestamp")
    return {
        "id": message_id,
        "anonymous_id": anonymous_id,
        "user_id": user_id,
        "timestamp": timestamp,
        "received_at": received_at,
        "sent_at": sent_at,
        "original_timestamp": original,
    }


def _identify(
    traits: Traits,
    row: Row,
    context: dict[str, Any],
    context_traits: dict[str, Any],
    given: dict[str, Any],
) -> list[tuple[str, Row]]:
    """``traits`` win over ``context.traits``; the rest of the context is JSON text."""
    merged = traits.traits(context_traits, "context.traits")
    merged.update(traits.traits(given, "traits"))
    if (
        blank(row["user_id"])
        and blank(row["anonymous_id"])
        and not any(not blank(value) for name, value in merged.items() if is_identifier_name(name))
    ):
        raise Reject(
            "no_identifier",
            "identify call without userId, anonymousId or identifying trait",
        )
    rest = {k: v for k, v in context.items() if k != "traits"}
    row["context"] = json_text(rest) if rest else None
    row.update(merged)
    return [("identifies", row)]


def _page_value(value: Any, name: str) -> str | None:
    if isinstance(value, dict):
        return json_text(value)
    return scalar_text(value, name)


def _page(
    msg: dict[str, Any], row: Row, context: dict[str, Any], properties: dict[str, Any]
) -> Row:
    """``name`` top-level, else in properties, else context.page; the page fields from
    properties, else context.page."""
    page = json_object(context.get("page"), "context.page")
    name = first_of(msg, "name")
    if name is None:
        name = first_of(properties, "name")
    row["name"] = _page_value(name if name is not None else page.get("name"), "name")
    if msg.get("category") is not None:
        row["category"] = _page_value(msg["category"], "category")
    for key in PAGE_FIELDS:
        value = properties.get(key)
        row[key] = _page_value(value if value is not None else page.get(key), key)
    return row


def _screen(msg: dict[str, Any], row: Row, properties: dict[str, Any]) -> Row:
    """``name`` top-level, else in properties; ``category`` when given."""
    name = first_of(msg, "name")
    row["name"] = _page_value(name if name is not None else first_of(properties, "name"), "name")
    if msg.get("category") is not None:
        row["category"] = _page_value(msg["category"], "category")
    return row


def _alias(msg: dict[str, Any], row: Row, context: dict[str, Any]) -> list[tuple[str, Row]]:
    """``previousId`` (the id the person had before) beside the call's own ids."""
    previous_id = id_text(first_of(msg, "previousId", "previous_id"), "previousId")
    if blank(previous_id):
        raise Reject("missing_previous_id", "alias call without previousId")
    if blank(row["user_id"]) and blank(row["anonymous_id"]):
        raise Reject("no_identifier", "alias call without userId or anonymousId")
    row["previous_id"] = previous_id
    row["context"] = json_text(context) if context else None
    return [("aliases", row)]


def segment_rows(traits: Traits, msg: dict[str, Any], kind: str) -> list[tuple[str, Row]]:
    """The row a Segment message of type ``kind`` writes, or ``Reject``."""
    known = SEGMENT_KEYS_BY_TYPE[kind]
    for key in msg:
        if key not in known:
            traits.ignore(key[:60])
    row = _common_row(msg)
    context = json_object(msg.get("context"), "context")
    given = json_object(msg.get("traits"), "traits")
    context_traits = json_object(context.get("traits"), "context.traits")
    if kind == "identify":
        return _identify(traits, row, context, context_traits, given)
    if kind == "alias":
        return _alias(msg, row, context)
    if blank(row["user_id"]) and blank(row["anonymous_id"]):
        raise Reject("no_identifier", f"{kind} call without userId or anonymousId")
    if given:
        context = {**context, "traits": {**context_traits, **given}}
    row["context"] = json_text(context) if context else None
    properties = json_object(msg.get("properties"), "properties")
    row["properties"] = json_text(properties) if properties else None
    if kind == "page":
        return [("pages", _page(msg, row, context, properties))]
    if kind == "screen":
        return [("screens", _screen(msg, row, properties))]
    event = msg.get("event")
    if event is not None and not isinstance(event, str):
        raise Reject("wrong_type", f'"event" must be a string, got {kind_of(event)}')
    if blank(event):
        raise Reject("missing_event", "track call without an event name")
    row["event"] = event
    return [("tracks", row)]
