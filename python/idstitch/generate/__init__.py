"""Deterministic synthetic Segment-style event data: ``identifies``, ``tracks``, ``pages``.

``generate(persons, seed)`` simulates ``persons`` people visiting a web shop and
its mobile apps over ``days`` days from ``start`` and returns the three raw
tables in Segment's warehouse shape (snake_case columns, traits flattened into
``identifies``). The same ``persons`` and ``seed`` always give the same rows in
the same order; another seed gives other data. All randomness is a counter-based
hash (splitmix64) of the seed and a person, device or event key, so a person's
data does not depend on how the run is split into chunks. Numbers are drawn with
vectorised numpy and strings are assembled by DuckDB SQL, a chunk of persons at a
time (the next chunk is simulated while the last one is written, and the three
tables load in parallel), so memory stays bounded and 15M events (1M persons)
take about 50 s of CPU in all, under a minute of wall time on 2 cores.

API: ``generate`` (all in memory, for tests), ``iter_tables`` (chunk by chunk),
``write_duckdb`` and ``write_parquet`` (both return row counts per table). With
``truth=True``, ``generate``/``iter_tables`` add a ``true_person`` column, the
simulated person's number, as ground truth for tests; it is not written by the
writers.

Volumes (rates are of persons unless said otherwise):

* about 15 events per person on average (identify, track and page rows together;
  about 7% identifies, 54% tracks, 39% pages), heavy-tailed: 8% "power users"
  have about four times the activity.
* 62% anonymous-only visitors who never identify; 8% soft registrations only
  (identify with ``anonymous_id`` and an ``email`` trait, no ``user_id``); 30%
  full registrations (``user_id`` + ``anonymous_id`` + traits), a third of them
  after a soft registration.
* 1..10 anonymous ids (devices) per person: web browsers (lower-case UUID), iOS
  (upper-case UUID) and Android apps; anonymous visitors have a second or third
  id in 22% of cases (cleared cookies), registered persons in ~65%.
* a registered person logs in on each further device with probability 0.7, so
  about 30% of their further devices never log in and stay anonymous; every
  login is an identify call on that device; later track and page calls on a
  logged-in device carry the ``user_id``.
* re-identify calls (about 0.3 per logged-in device, 1.6 for power users) with
  some traits, 15% of them server-side (``user_id`` only, no ``anonymous_id``);
  5% of logged-in tracks are server-side too.
* ``user_id``: 50% numeric strings, 42% 13-character hex, 8% the person's email
  address (often mixed-case or padded, e.g. ``' Jane.Doe42@Gmail.COM '``).
* email changes: 4% of registered persons send a second email address later.
* email rendering per identify row: ~80% lower case, otherwise capitalised
  (``Jane.Doe42@gmail.com``), upper case, or padded with spaces and an
  upper-case domain; the same address appears in several renderings.
* 2% of identify rows send ``email = ''`` instead of null; 0.3% a junk email
  (one of the junk ids below).
* phones on 45% of registered persons, formatted per row as
  ``+1 (555) 010-2345``, ``555.010.2345``, ``555-010-2345``, ``+15550102345``
  or ``555 010 2345`` (all five are one E.164 number, ``+15550102345``, read
  with the default phone country US); 3% of phone holders send a too-short phone from a small
  shared set (``12345``, ``555-01``, ``0000``, ``123``) that must not link them.
* ``external_id`` trait on 10% of registered persons (half equal to their
  ``user_id``, half a separate ``crm-...`` id); ``zendesk_id`` on 6%;
  ``stripe_customer_id`` (``cus_...``) on 12%.
* camelCase columns: on camelCase SDK rows (half of the mobile devices) the
  first name goes to ``firstName`` (``first_name`` null) and the Stripe id to
  ``stripeCustomerId`` (``stripe_customer_id`` null).
* reserved traits: ``first_name``/``last_name`` (85% of registered persons),
  ``name`` (on ~25% of rows with names, plus some ``name``-only rows),
  ``username`` (25%), ``title`` (15%), ``gender`` (30%, inconsistent spellings),
  ``age`` (20%, INTEGER), ``birthday`` (15%, VARCHAR ``YYYY-MM-DD``),
  ``created_at`` (registration time, TIMESTAMP), ``address_city`` and
  ``address_country`` (35%), ``company_name``/``company_id`` (25%), ``plan``.
* ``company_id`` is shared: companies are Zipf-distributed, the largest one
  employs a few percent of all persons with a company. It is NOT a person
  identifier and must not link anyone.
* junk ids in 0.3% of events' ``anonymous_id`` and 0.3% of anonymous events'
  ``user_id`` (plus 0.1% of logged-in ones): ``'null'``, ``'undefined'``,
  ``'0'``, ``'-1'``, ``''``, ``'   '``, ``'None'``,
  ``'00000000-0000-0000-0000-000000000000'``.
* shared devices: 0.4% of persons also use a device (anonymous id) of the
  previous person, which correctly merges the two.
* kiosks: ``ceil(persons / 20000)`` shared kiosk devices, each logged into by
  about 50 registered persons (~0.25% of persons): one big component per kiosk.
* duplicate message ids: 0.4% of rows are sent twice as an exact duplicate
  row, another 0.4% twice with a later ``received_at`` (1 minute to 2 days).
* timestamps are TIMESTAMP (UTC, no time zone) with millisecond precision;
  ``received_at`` is ``timestamp`` plus 0.05..~10 s (mobile: batched, up to
  minutes). 1% of web and 2% of mobile rows are out of order (device clock
  behind: ``timestamp`` 1 minute to 3 days earlier than it really happened,
  ``received_at`` keeps the true time); 0.05% have a future ``timestamp``
  (1 to 4 years ahead of ``received_at``).
* message ids are ``ajs-`` and 32 hex digits, unique except the duplicates
  above.

Columns: all three tables ``id``, ``anonymous_id``, ``user_id`` (VARCHAR),
``timestamp``, ``received_at`` (TIMESTAMP); ``tracks.event``; ``pages.name``,
``path``, ``url``, ``title``, ``referrer``; ``identifies`` traits as listed in
``IDENTIFIES_COLUMNS`` (all VARCHAR except ``age`` INTEGER and ``created_at``
TIMESTAMP). Rows are ordered by person, then by when the event really happened;
a duplicate follows its original.

Uniqueness of identifiers relies on per-seed permutations of the person number:
emails, numeric user ids and zendesk ids are unique for any ``persons``; phone
numbers for up to 10 million persons; hex ids are 52..64-bit hashes.

Modules, in the order a chunk goes through them: ``spec`` (the run's parameters),
``population`` (persons), ``devices``, ``calls`` (when each event and identify call
happens), ``person_strings`` (user ids, emails, names), ``rows`` and ``identify``
(the raw columns of each table), ``render_sql`` (the final Segment columns),
``simulate`` (one chunk), ``chunks`` (chunk after chunk), ``writers`` (DuckDB,
Parquet). ``hashing``, ``streams``, ``rates``, ``catalog`` and ``text`` hold the
randomness, its stream numbers, the rate tables, the vocabularies and string helpers.
"""

from __future__ import annotations

from idstitch.generate.arrays import Progress
from idstitch.generate.catalog import (
    CHUNK_PERSONS,
    COLUMNS,
    DEFAULT_DAYS,
    DEFAULT_SCHEMA,
    DEFAULT_START,
    IDENTIFIES_COLUMNS,
    JUNK_IDS,
    PAGES_COLUMNS,
    TABLES,
    TRACKS_COLUMNS,
)
from idstitch.generate.chunks import generate, iter_tables
from idstitch.generate.spec import GenerateError
from idstitch.generate.writers import arrow_schema, write_duckdb, write_parquet

__all__ = [
    "CHUNK_PERSONS",
    "COLUMNS",
    "DEFAULT_DAYS",
    "DEFAULT_SCHEMA",
    "DEFAULT_START",
    "IDENTIFIES_COLUMNS",
    "JUNK_IDS",
    "PAGES_COLUMNS",
    "TABLES",
    "TRACKS_COLUMNS",
    "GenerateError",
    "Progress",
    "arrow_schema",
    "generate",
    "iter_tables",
    "write_duckdb",
    "write_parquet",
]
