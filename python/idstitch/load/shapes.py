"""What ``idstitch load`` writes and accepts: defaults, size limits, the core columns of
each raw table, and the top-level fields each message shape may carry."""

from __future__ import annotations

DEFAULT_SCHEMA = "raw_events"
REJECTS_FILENAME = "idstitch_rejects.jsonl"
DEFAULT_BATCH_SIZE = 50_000

MAX_STRING_BYTES = 64 * 1024
MAX_RECORD_BYTES = 1024 * 1024
MAX_FIELDS = 1000
MAX_COLUMN_NAME = 128
EXCERPT_BYTES = 200
MAX_IGNORED_KINDS = 100
#: columns one load may add to the raw tables (core columns of a new table not counted)
DEFAULT_MAX_NEW_COLUMNS = 50

TABLES = ("identifies", "tracks", "pages", "screens", "aliases")
TIMESTAMP_COLUMNS = frozenset({"timestamp", "received_at", "sent_at", "original_timestamp"})
COMMON_COLUMNS = ("id", "anonymous_id", "user_id", "timestamp", "received_at", "sent_at")
CORE_COLUMNS: dict[str, tuple[str, ...]] = {
    "identifies": (*COMMON_COLUMNS, "original_timestamp", "context"),
    "tracks": (*COMMON_COLUMNS, "original_timestamp", "event", "properties", "context"),
    "pages": (
        *COMMON_COLUMNS,
        "original_timestamp",
        "name",
        "path",
        "url",
        "title",
        "referrer",
        "search",
        "properties",
        "context",
    ),
    "screens": (*COMMON_COLUMNS, "original_timestamp", "name", "properties", "context"),
    "aliases": (*COMMON_COLUMNS, "original_timestamp", "previous_id", "context"),
}
# Trait names that would collide with a column identifies fills itself.
RESERVED_TRAITS = frozenset(CORE_COLUMNS["identifies"])
PAGE_FIELDS = ("path", "url", "title", "referrer", "search")
IDENTIFYING_TRAITS = frozenset({"external_id", "email", "phone"})

SEGMENT_KEYS = frozenset(
    {
        "type",
        "userId",
        "user_id",
        "anonymousId",
        "anonymous_id",
        "messageId",
        "message_id",
        "timestamp",
        "receivedAt",
        "received_at",
        "sentAt",
        "sent_at",
        "originalTimestamp",
        "original_timestamp",
        "context",
        # never loaded, listed so they are not reported as unknown
        "integrations",
    }
)
SEGMENT_KEYS_BY_TYPE = {
    "identify": SEGMENT_KEYS | {"traits"},
    "track": SEGMENT_KEYS | {"traits", "event", "properties"},
    "page": SEGMENT_KEYS | {"traits", "name", "category", "properties"},
    "screen": SEGMENT_KEYS | {"traits", "name", "category", "properties"},
    "alias": SEGMENT_KEYS | {"previousId", "previous_id"},
}
INNGEST_KEYS = frozenset({"name", "data", "user", "id", "ts", "v"})
SEGMENT_TYPES = frozenset({"identify", "track", "page", "screen", "alias"})
#: message types rejected with a reason of their own: {type: (reason, detail)}
NOT_LOADED_TYPES = {
    "group": (
        "group_call_not_read",
        "group calls are not loaded: idstitch reads no groups table (a group's traits are "
        "the account's, not the person's)",
    ),
}
