"""Load exported tracking-pipeline JSON into Segment-style raw tables in DuckDB.

Input files hold newline-delimited JSON (one message per line), a JSON array
of messages, one JSON object, or several JSON values one after another
(pretty-printed or not); any of them may be gzip-compressed (detected from the
content, not the file name) and start with a UTF-8 byte order mark (skipped).
Two payload shapes are understood:

* the Segment / Customer.io spec (``type``, ``userId``, ``anonymousId``,
  ``traits``, ``context``, ``properties``, ``event``, ``messageId``,
  ``timestamp``, ``receivedAt``, ``sentAt``, ``originalTimestamp``; the
  snake_case spellings ``user_id``, ``message_id``, ... are accepted as well);
* Inngest events (``name``, ``data``, ``user``, ``id``, ``ts`` in
  milliseconds, ``v``): a message without ``type`` but with ``name``.

Where rows go (one row per message, the way a Segment warehouse writes them):

* ``identify`` -> ``identifies``: ``traits`` and ``context.traits`` are
  flattened into columns (``traits`` wins when both set a column). Nested
  objects join their keys with ``_`` (``address.postalCode`` ->
  ``address_postal_code``); names are snake_cased the way Segment's
  go-snakecase does (``firstName`` -> ``first_name``, ``Place of birth`` ->
  ``place_of_birth``). When two spellings meet in one message
  (``firstName`` and ``first_name``) the exact snake_case key wins, otherwise
  the first one with a value. Strings are stored as they are; numbers and
  booleans as their JSON text (``83561`` -> ``'83561'``, ``true`` ->
  ``'true'``; an integral float in an id-like column loses its ``.0``);
  arrays as JSON text; empty objects and nulls give no value.
* ``track`` -> ``tracks`` with ``event``; ``page`` -> ``pages`` with ``name``
  (top-level, else ``properties.name``, else ``context.page.name``),
  ``category``, and ``path``, ``url``, ``title``, ``referrer``, ``search`` from
  ``properties``, else ``context.page``; ``screen`` (a mobile app's page view)
  -> ``screens`` with ``name`` (top-level, else ``properties.name``) and
  ``category``; ``alias`` -> ``aliases`` with ``previous_id`` (``previousId``,
  required) beside the call's ``user_id`` and ``anonymous_id``.
* All five tables are created when missing (even empty: dbt reads each one it
  finds, and a table loaded later is then read whole by the next build).
  Every table gets ``id``, ``anonymous_id``, ``user_id``, ``timestamp``,
  ``received_at``, ``sent_at``, ``original_timestamp`` and ``context`` (the
  message's context as JSON text, on identifies without ``context.traits``,
  which are columns there); ``tracks``, ``pages`` and ``screens`` also
  ``properties`` (JSON text). A top-level ``traits`` on a track or page call
  is kept inside ``context`` as ``context.traits``.
* An Inngest event becomes a ``tracks`` row (``event`` = ``name``,
  ``properties`` = ``data``, ``context`` = ``{"inngest": {"v": ...}}``) and,
  from its ``user`` object, an ``identifies`` row whose traits are the user's
  attributes (flattened and snake_cased like traits). Both rows get
  ``user_id`` = ``user.external_id`` or, when that is absent or blank,
  ``user.email`` (idstitch types an email-shaped ``user_id`` as ``email``);
  ``external_id`` stays a trait column as well. The identifies row's ``id``
  is the event id with ``:user`` appended, so ids stay unique across tables.
* ``group`` calls are rejected (``group_call_not_read``): idstitch reads no
  groups table (a group's traits are the account's, not the person's).

Message ids: ``messageId`` (Inngest: ``id``); when missing, a deterministic
hash of the message's canonical JSON, so loading the same file twice writes
nothing twice. Rows whose id the target table held before the load are skipped
(never changed) and counted as duplicates. Of several copies of one id in a
load the first received is kept, by the dbt package's rule (``duplicates``):
the smallest ``received_at``, then the earliest ``timestamp``, then the
smaller ``user_id``, then the smaller ``anonymous_id`` (byte order; a missing
value after any value), also when the copies land in different batches.

New columns: at most ``max_new_columns`` (default 50) per load over all
tables, core columns not counted; a message that would add more is rejected
(``too_many_new_columns``) and can be loaded again with a higher limit.

Timestamps: ISO-8601 strings (``Z``, ``+hh:mm``, ``+hhmm`` offsets; no offset
means UTC) are converted to UTC and stored as ``TIMESTAMP`` (into an existing
``TIMESTAMP WITH TIME ZONE`` column as that). Inngest ``ts`` is epoch
milliseconds. ``timestamp`` falls back to ``receivedAt``, then
``originalTimestamp``; a message with none of them is rejected.

Traits and properties whose name is one of the table's own columns (``id``,
``user_id``, ``timestamp``, ...) are discarded, as Segment does, and so are
names that snake_case to nothing (``$%&``): both are counted in the summary
(``ignored_fields``), as are unrecognised top-level fields (``channel``,
``version``, ``properties`` of an identify call, ...). ``integrations``
(destination routing, which no warehouse stores) is the one field dropped
without a count.

Bad input never stops a load and is never dropped silently: every record that
cannot be loaded is appended to the rejects file (JSON lines: ``source``,
``line``, ``reason``, ``detail``, ``excerpt``, ``bytes``, ``rejected_at``;
one the file already lists is not appended again) and counted by reason.
Reasons: ``malformed_json`` (in a document, reading starts again at the next
object that parses), ``invalid_utf8``, ``corrupt_file`` (a truncated or
corrupt gzip stream or a read error; what came before is loaded),
``not_an_object``, ``unknown_type``, ``group_call_not_read``, ``wrong_type``,
``no_identifier``, ``missing_previous_id`` (an alias call without
``previousId``), ``identifier_not_scalar`` (an identifying trait given as an
object or array), ``missing_event``, ``missing_timestamp``, ``bad_timestamp``,
``value_too_large`` (a string over 64 KiB), ``message_too_large`` (a record
over 1 MiB), ``too_many_fields`` (over 1000 trait columns in one message),
``too_many_new_columns`` and ``type_mismatch`` (a value that does not fit an
existing column's type: the whole message is rejected, the detail names the
column, never the value). A message needs an identifier: a non-blank
``userId`` or ``anonymousId``; an identify call may instead carry an
identifying trait (``external_id``, ``email``, ``phone``, ``*_id``) and an
Inngest event needs one of those in ``user``.

Modules: ``files`` (the entry point ``load_files``), ``loading`` (one load: queue,
limits, batches, counts), ``reading`` with ``opening``, ``documents`` and ``parsing``
(files into records), ``convert`` with ``segment``, ``inngest`` and ``traits`` (records
into rows), ``tables`` with ``duplicates`` and ``fitting`` (rows into DuckDB),
``rejects`` (the rejects file), ``values`` and ``names`` (timestamps, ids, trait text,
column names), ``shapes`` (defaults, limits, core columns), ``summary`` (what a load
did).
"""

from __future__ import annotations

from idstitch.load.files import default_rejects_path, expand_paths, load_files
from idstitch.load.names import snake_case
from idstitch.load.records import Reject, Row
from idstitch.load.shapes import (
    CORE_COLUMNS,
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_NEW_COLUMNS,
    DEFAULT_SCHEMA,
    EXCERPT_BYTES,
    IDENTIFYING_TRAITS,
    MAX_COLUMN_NAME,
    MAX_FIELDS,
    MAX_IGNORED_KINDS,
    MAX_RECORD_BYTES,
    MAX_STRING_BYTES,
    PAGE_FIELDS,
    REJECTS_FILENAME,
    RESERVED_TRAITS,
    TABLES,
    TIMESTAMP_COLUMNS,
)
from idstitch.load.summary import LoadSummary
from idstitch.load.values import id_text, message_hash, parse_epoch_ms, parse_timestamp, scalar_text
from idstitch.paths import DEFAULT_DB, default_db_path

__all__ = [
    "CORE_COLUMNS",
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_DB",
    "DEFAULT_MAX_NEW_COLUMNS",
    "DEFAULT_SCHEMA",
    "EXCERPT_BYTES",
    "IDENTIFYING_TRAITS",
    "MAX_COLUMN_NAME",
    "MAX_FIELDS",
    "MAX_IGNORED_KINDS",
    "MAX_RECORD_BYTES",
    "MAX_STRING_BYTES",
    "PAGE_FIELDS",
    "REJECTS_FILENAME",
    "RESERVED_TRAITS",
    "TABLES",
    "TIMESTAMP_COLUMNS",
    "LoadSummary",
    "Reject",
    "Row",
    "default_db_path",
    "default_rejects_path",
    "expand_paths",
    "id_text",
    "load_files",
    "message_hash",
    "parse_epoch_ms",
    "parse_timestamp",
    "scalar_text",
    "snake_case",
]
