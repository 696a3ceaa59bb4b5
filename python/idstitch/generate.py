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
  or ``555 010 2345`` (so one number normalises to 11 digits with the ``+1``
  and to 10 without); 3% of phone holders send a too-short phone from a small
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
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

DEFAULT_SCHEMA = "raw_events"
DEFAULT_START = date(2024, 1, 1)
DEFAULT_DAYS = 365
#: persons per chunk; the output does not depend on it, only speed and memory do.
CHUNK_PERSONS = 50_000
TABLES = ("identifies", "tracks", "pages")

JUNK_IDS = (
    "null",
    "undefined",
    "0",
    "-1",
    "",
    "   ",
    "None",
    "00000000-0000-0000-0000-000000000000",
)

COMMON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "VARCHAR"),
    ("anonymous_id", "VARCHAR"),
    ("user_id", "VARCHAR"),
    ("timestamp", "TIMESTAMP"),
    ("received_at", "TIMESTAMP"),
)
IDENTIFIES_COLUMNS: tuple[tuple[str, str], ...] = (
    *COMMON_COLUMNS,
    ("email", "VARCHAR"),
    ("phone", "VARCHAR"),
    ("external_id", "VARCHAR"),
    ("first_name", "VARCHAR"),
    ("last_name", "VARCHAR"),
    ("name", "VARCHAR"),
    ("firstName", "VARCHAR"),
    ("username", "VARCHAR"),
    ("title", "VARCHAR"),
    ("gender", "VARCHAR"),
    ("age", "INTEGER"),
    ("birthday", "VARCHAR"),
    ("created_at", "TIMESTAMP"),
    ("address_city", "VARCHAR"),
    ("address_country", "VARCHAR"),
    ("company_name", "VARCHAR"),
    ("company_id", "VARCHAR"),
    ("zendesk_id", "VARCHAR"),
    ("stripe_customer_id", "VARCHAR"),
    ("stripeCustomerId", "VARCHAR"),
    ("plan", "VARCHAR"),
)
TRACKS_COLUMNS: tuple[tuple[str, str], ...] = (*COMMON_COLUMNS, ("event", "VARCHAR"))
PAGES_COLUMNS: tuple[tuple[str, str], ...] = (
    *COMMON_COLUMNS,
    ("name", "VARCHAR"),
    ("path", "VARCHAR"),
    ("url", "VARCHAR"),
    ("title", "VARCHAR"),
    ("referrer", "VARCHAR"),
)
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "identifies": IDENTIFIES_COLUMNS,
    "tracks": TRACKS_COLUMNS,
    "pages": PAGES_COLUMNS,
}

FIRST_NAMES = (
    "Jane", "John", "Peter", "Maria", "Sam", "Alex", "Olivia", "Liam", "Emma", "Noah",
    "Ava", "Elijah", "Sophia", "Lucas", "Mia", "Mateo", "Amelia", "Levi", "Harper", "Ezra",
    "Evelyn", "Leo", "Luna", "Aiden", "Chloe", "Kai", "Nora", "Omar", "Priya", "Wei",
    "Yuki", "Fatima", "Ahmed", "Sofia", "Lars", "Ingrid", "Pierre", "Chiara", "Diego", "Ana",
    "Joe", "Elon", "Grace", "Henry", "Isla", "Jack", "Kate", "Leah", "Max", "Nina",
)  # fmt: skip
LAST_NAMES = (
    "Doe", "Smith", "Gibbons", "Garcia", "Johnson", "Brown", "Jones", "Miller", "Davis",
    "Rodriguez", "Martinez", "Lee", "Walker", "Hall", "Young", "King", "Wright", "Lopez",
    "Hill", "Scott", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Perez",
    "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins",
    "Stewart", "Morris", "Nguyen", "Murphy", "Rivera", "Cook", "Rogers", "Morgan", "Peterson",
    "Cooper", "Reed", "Bailey", "Bell", "Kowalski", "Schmidt",
)  # fmt: skip
DOMAINS = (
    "gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "proton.me",
    "example.com", "mail.com", "gmx.de", "web.de",
)  # fmt: skip
DOMAIN_WEIGHTS = (40, 12, 10, 10, 8, 4, 6, 4, 3, 3)
TITLES = (
    "Engineer", "Senior Engineer", "Product Manager", "Designer", "CTO", "CEO",
    "Data Analyst", "Marketing Manager", "Sales Rep", "Support Agent", "Student", "Consultant",
)  # fmt: skip
GENDERS = ("female", "male", "Female", "Male", "F", "M", "non-binary", "other")
CITIES = (
    ("San Francisco", "US"), ("New York", "US"), ("Austin", "US"), ("Chicago", "US"),
    ("London", "GB"), ("Manchester", "GB"), ("Berlin", "DE"), ("Munich", "DE"),
    ("Paris", "FR"), ("Madrid", "ES"), ("Amsterdam", "NL"), ("Toronto", "CA"),
    ("Sydney", "AU"), ("Tokyo", "JP"), ("Bangalore", "IN"), ("Sao Paulo", "BR"),
)  # fmt: skip
COMPANY_NAMES = (
    "Initech", "Globex", "Acme", "Umbrella", "Hooli", "Pied Piper", "Stark Industries",
    "Wayne Enterprises", "Soylent", "Vandelay Industries", "Wonka", "Cyberdyne", "Tyrell",
    "Massive Dynamic", "Aperture Science", "Black Mesa", "Oscorp", "Gringotts", "Monsters Inc",
    "Dunder Mifflin",
)  # fmt: skip
COMPANY_SUFFIXES = ("Inc", "LLC", "GmbH", "Ltd", "SA", "BV")
PLANS = ("free", "pro", "team", "enterprise")
SHORT_PHONES = ("12345", "555-01", "0000", "123")
TRACK_EVENTS = (
    "Product Viewed", "Product Added", "Cart Viewed", "Checkout Started", "Order Completed",
    "Newsletter Subscribed", "Button Clicked", "Products Searched", "Video Played",
    "Signed Up", "Logged In", "Application Opened", "Application Backgrounded",
    "Push Notification Tapped",
)  # fmt: skip
TRACK_WEIGHTS_WEB = (30, 12, 10, 6, 4, 2, 20, 10, 4, 1, 1, 0, 0, 0)
TRACK_WEIGHTS_MOBILE = (24, 10, 8, 5, 4, 0, 10, 8, 3, 1, 1, 14, 10, 2)
PAGES_CATALOG = (
    ("Home", "/", "Somesite - Home"),
    ("Pricing", "/pricing", "Pricing - Somesite"),
    ("Product", "/products/sneaker-one", "Sneaker One - Somesite"),
    ("Product", "/products/sneaker-two", "Sneaker Two - Somesite"),
    ("Product List", "/collections/all", "All products - Somesite"),
    ("Cart", "/cart", "Your cart - Somesite"),
    ("Checkout", "/checkout", "Checkout - Somesite"),
    ("Sign Up", "/signup", "Create an account - Somesite"),
    ("Login", "/login", "Log in - Somesite"),
    ("Account", "/account", "Your account - Somesite"),
    ("Blog", "/blog", "Blog - Somesite"),
    ("Blog Post", "/blog/identity-resolution", "Identity resolution - Somesite"),
    ("Help", "/help", "Help center - Somesite"),
    ("Email Signup", "/newsletter", "Newsletter - Somesite"),
)
PAGE_WEIGHTS = (25, 6, 14, 10, 12, 6, 3, 3, 4, 4, 4, 3, 3, 3)
SITE = "https://somesite.com"
REFERRERS = (
    "https://www.google.com/", "https://www.bing.com/", "https://t.co/",
    "https://www.facebook.com/", "https://news.ycombinator.com/", "https://duckduckgo.com/",
    "https://somesite.com/",
)  # fmt: skip

Progress = Callable[[str], None]
U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

# ---------------------------------------------------------------------------
# counter-based randomness
# ---------------------------------------------------------------------------

_MASK = (1 << 64) - 1
_GOLD = 0x9E3779B97F4A7C15
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def _k(n: int) -> np.uint64:
    """A stream constant: ``n`` spread over 64 bits."""
    return np.uint64((n * _GOLD) & _MASK)


_GOLD64 = np.uint64(_GOLD)


def _ka(n: U64) -> U64:
    """``_k`` elementwise for an array of counters."""
    return n.astype(np.uint64) * _GOLD64


def _mix(x: U64) -> U64:
    """splitmix64's finaliser, elementwise (uint64 arithmetic wraps)."""
    x = x ^ (x >> _S30)
    x = x * _MUL1
    x ^= x >> _S27
    x *= _MUL2
    x ^= x >> _S31
    return x


def _sub(h: U64, stream: int) -> U64:
    """An independent hash for purpose ``stream`` derived from ``h``."""
    return _mix(h ^ _k(stream + 1))


def _unit(h: U64) -> F64:
    """Uniform floats in [0, 1) from hashes."""
    return (h >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def _u(h: U64, stream: int) -> F64:
    return _unit(_sub(h, stream))


_SHIFTS16 = tuple(np.uint64(16 * i) for i in range(4))
_LOW16 = np.uint64(0xFFFF)


def _u4(h: U64, stream: int) -> tuple[F64, F64, F64, F64]:
    """Four coarse (16-bit) independent uniforms in (0, 1) from one hash: cheaper."""
    x = _sub(h, stream)
    a, b, c, d = (
        ((x >> s) & _LOW16).astype(np.float64) * (1.0 / 65536.0) + (0.5 / 65536.0)
        for s in _SHIFTS16
    )
    return a, b, c, d


def _pick(u: F64, weights: tuple[float, ...]) -> npt.NDArray[np.int64]:
    """Index into ``weights`` drawn with those (relative) weights."""
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(weights) - 1).astype(np.int64)


def _expo(u: F64, mean: F64 | float) -> F64:
    return -np.log1p(-u) * mean


# stream numbers (any distinct small ints)
(
    S_KIND, S_POWER, S_SOFTFIRST, S_NDEV, S_KIOSK, S_KIOSKNO, S_SHARED, S_T0, S_SPAN,
    S_UIDKIND, S_EMAILSTYLE, S_PATTERN, S_DOM1, S_DOM2, S_FIRST, S_LAST, S_ECHG, S_TCHG,
    S_TREG, S_TSOFT, S_NSOFT, S_HAS, S_SHORT, S_SHORTI, S_AREA, S_EXTSAME, S_TITLE,
    S_GENDER, S_BDAY, S_CITY, S_COMPANY, S_UIDHEX, S_STRIPE,
    # device level
    S_DTYPE, S_CAMEL, S_DSTART, S_DCOUNT, S_LOGIN, S_TLOGIN, S_NREID, S_KDUR,
    # event / row level
    S_ET, S_TABLE, S_EVENT, S_PAGE, S_REF, S_SERVER, S_DUP, S_OOO, S_OOOAMT, S_FUT,
    S_FUTAMT, S_DELAY, S_LATE, S_AJUNK, S_AJUNKI, S_UJUNK, S_UJUNKI, S_ID1, S_ID2,
    S_ROWT, S_STYLEVAR, S_STYLE2, S_EMPTY, S_PHFMT, S_PLAN,
) = range(100, 166)  # fmt: skip
S_TRAIT = 300  # + trait number
S_KIOSK_ANON = 500
S_PERSON = 600

# trait numbers: person has it (column in _HAS_FULL/_HAS_SOFT) and row shows it
(
    T_EMAIL, T_PHONE, T_EXT, T_NAMES, T_FULLNAME, T_NAMEONLY, T_USERNAME, T_TITLE,
    T_GENDER, T_AGE, T_BDAY, T_CREATED, T_ADDRESS, T_COMPANY, T_ZENDESK, T_STRIPE, T_PLAN,
) = range(17)  # fmt: skip
N_TRAITS = 17
# probability that a person has the trait: (soft, full)
_HAS = np.array(
    [
        (1.0, 1.0),  # email
        (0.10, 0.45),  # phone
        (0.0, 0.10),  # external_id
        (0.50, 0.85),  # first/last name
        (1.0, 1.0),  # full name (gated by names)
        (0.05, 0.05),  # name only
        (0.0, 0.25),  # username
        (0.0, 0.15),  # title
        (0.0, 0.30),  # gender
        (0.0, 0.20),  # age
        (0.0, 0.15),  # birthday
        (0.0, 1.0),  # created_at
        (0.05, 0.35),  # address
        (0.0, 0.25),  # company
        (0.0, 0.06),  # zendesk_id
        (0.0, 0.12),  # stripe_customer_id
        (0.0, 0.60),  # plan
    ]
)
# identify row kinds
K_SOFT, K_REGISTER, K_LOGIN, K_REID, K_ECHANGE = range(5)
# probability that a row of kind k shows a trait the person has: columns = kinds
_SHOW = np.array(
    [
        (1.0, 0.95, 0.50, 0.35, 1.0),  # email
        (0.30, 0.70, 0.20, 0.30, 0.10),  # phone
        (0.0, 1.0, 0.30, 0.50, 0.30),  # external_id
        (0.50, 0.90, 0.20, 0.40, 0.20),  # first/last name
        (0.10, 0.25, 0.05, 0.15, 0.05),  # full name
        (1.0, 1.0, 1.0, 1.0, 1.0),  # name only
        (0.0, 1.0, 0.10, 0.30, 0.0),  # username
        (0.0, 0.80, 0.05, 0.30, 0.0),  # title
        (0.0, 0.80, 0.05, 0.30, 0.0),  # gender
        (0.0, 0.80, 0.05, 0.30, 0.0),  # age
        (0.0, 0.80, 0.05, 0.30, 0.0),  # birthday
        (0.0, 1.0, 0.30, 0.50, 0.20),  # created_at
        (0.30, 0.80, 0.05, 0.30, 0.0),  # address
        (0.0, 1.0, 0.30, 0.50, 0.20),  # company
        (0.0, 0.20, 0.20, 0.60, 0.20),  # zendesk_id
        (0.0, 0.20, 0.20, 0.60, 0.30),  # stripe_customer_id
        (0.0, 1.0, 0.20, 0.50, 0.0),  # plan
    ]
)

P_ANON, P_SOFT, P_FULL = 0, 1, 2
KIOSK_PERSONS = 50
PERSONS_PER_KIOSK = 20_000
DAY = 86_400.0
US = 1_000_000


def _seed_key(seed: int) -> np.uint64:
    return np.uint64(int(_mix(np.array([seed & _MASK], dtype=np.uint64) ^ _k(S_PERSON))[0]))


def _person_hash(seedk: np.uint64, p: U64) -> U64:
    return _mix(_mix(p ^ seedk) + _k(7))


def _perm(p: U64, modulus: int, stream: int, seed: int) -> npt.NDArray[np.int64]:
    """A bijection of 0..modulus-1 (for p < modulus), different per seed and stream."""
    # odd multiplier not divisible by 5 is coprime to any power of ten
    mult = (2 * ((seed * 2654435761 + stream * 40503) % 1_000_003) + 3) % modulus
    while math.gcd(mult, modulus) != 1:
        mult += 2
    off = (seed * 97 + stream * 7919) % modulus
    pi = p.astype(object) if modulus * modulus > 2**63 else p.astype(np.int64)
    out = (pi * mult + off) % modulus
    return np.asarray(out, dtype=np.int64)


def _pow10_above(n: int, minimum: int) -> int:
    m = minimum
    while m < n:
        m *= 10
    return m


# ---------------------------------------------------------------------------
# strings from hashes, built directly as Arrow buffers
# ---------------------------------------------------------------------------


def _hex_lut(digits: bytes) -> npt.NDArray[np.uint16]:
    pairs = [digits[i >> 4 : (i >> 4) + 1] + digits[i & 15 : (i & 15) + 1] for i in range(256)]
    return np.frombuffer(b"".join(pairs), dtype=np.uint16).copy()


_HEX_PAIRS_LO = _hex_lut(b"0123456789abcdef")
_HEX_PAIRS_UP = _hex_lut(b"0123456789ABCDEF")


def _hex_matrix(h: U64, upper: Bool | None = None) -> npt.NDArray[np.uint8]:
    """(n, 16) ASCII hex digits of each uint64, most significant first."""
    b = h.astype(">u8").view(np.uint8).reshape(-1, 8)
    pairs = _HEX_PAIRS_LO[b]
    if upper is not None and upper.any():
        pairs[upper] = _HEX_PAIRS_UP[b[upper]]
    return pairs.view(np.uint8).reshape(-1, 16)


def _fixed_strings(mat: npt.NDArray[np.uint8]) -> pa.Array:
    n, w = mat.shape
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
    data = np.ascontiguousarray(mat)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def _message_ids(h: U64) -> pa.Array:
    mat = np.empty((len(h), 36), dtype=np.uint8)
    mat[:, :4] = np.frombuffer(b"ajs-", dtype=np.uint8)
    mat[:, 4:20] = _hex_matrix(h)
    mat[:, 20:36] = _hex_matrix(_sub(h, S_ID2))
    return _fixed_strings(mat)


def _uuids(h: U64, upper: Bool) -> npt.NDArray[np.uint8]:
    """(n, 36) UUID v4 text from hashes."""
    a = _hex_matrix(_sub(h, 1), upper)
    b = _hex_matrix(_sub(h, 2), upper)
    mat = np.full((len(h), 36), ord("-"), dtype=np.uint8)
    mat[:, 0:8] = a[:, 0:8]
    mat[:, 9:13] = a[:, 8:12]
    mat[:, 14] = ord("4")
    mat[:, 15:18] = a[:, 13:16]
    variant = np.frombuffer(b"89ab", dtype=np.uint8)[b[:, 0] % 4]
    mat[:, 19] = np.where(upper, np.frombuffer(b"89AB", dtype=np.uint8)[b[:, 0] % 4], variant)
    mat[:, 20:23] = b[:, 1:4]
    mat[:, 24:36] = b[:, 4:16]
    return mat


def _dict(idx: npt.NDArray[Any], values: tuple[str, ...], mask: Bool | None = None) -> pa.Array:
    """Dictionary-encoded strings (``mask`` True means null)."""
    indices = pa.array(idx.astype(np.int32), mask=mask)
    return pa.DictionaryArray.from_arrays(indices, pa.array(values, type=pa.string()))


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


# ---------------------------------------------------------------------------
# the simulation of one chunk of persons
# ---------------------------------------------------------------------------


@dataclass
class _Spec:
    persons: int
    seed: int
    start: float  # epoch seconds
    days: int
    seedk: np.uint64 = field(init=False)
    n_kiosks: int = field(init=False)
    kiosk_rate: float = field(init=False)
    num_mod: int = field(init=False)

    def __post_init__(self) -> None:
        self.seedk = _seed_key(self.seed)
        self.n_kiosks = max(1, math.ceil(self.persons / PERSONS_PER_KIOSK))
        # rate among full registrations (30% of persons)
        self.kiosk_rate = min(1.0, KIOSK_PERSONS * self.n_kiosks / (0.30 * max(self.persons, 1)))
        self.num_mod = _pow10_above(10 * self.persons, 10_000)


def _segments(counts: I64) -> tuple[I64, I64]:
    """For groups of ``counts`` rows: the group of every row and its index in the group."""
    total = int(counts.sum())
    group = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    within = np.arange(total, dtype=np.int64) - np.repeat(starts, counts)
    return group, within


@dataclass
class _Rows:
    """Rows of one table before rendering: arrays aligned by row."""

    h: U64  # row key hash (message id)
    person: I64  # chunk-local person index
    dev: I64  # chunk-local device index
    t: F64  # true event time, epoch seconds
    user: Bool  # carries the person's user_id
    extra: dict[str, npt.NDArray[Any]] = field(default_factory=dict)


def _simulate(spec: _Spec, lo: int, hi: int, con: duckdb.DuckDBPyConnection) -> dict[str, pa.Table]:
    """Raw (pre-SQL) Arrow tables for persons lo..hi-1."""
    p = np.arange(lo, hi, dtype=np.uint64)
    hp = _person_hash(spec.seedk, p)
    end = spec.start + spec.days * DAY

    u_kind = _u(hp, S_KIND)
    kind = np.where(u_kind < 0.62, P_ANON, np.where(u_kind < 0.70, P_SOFT, P_FULL))
    full = kind == P_FULL
    soft = kind == P_SOFT
    power = _u(hp, S_POWER) < 0.08
    soft_first = full & (_u(hp, S_SOFTFIRST) < 1 / 3)

    u_nd = _u(hp, S_NDEV)
    nd = np.where(
        kind == P_ANON,
        1 + _pick(u_nd, (78, 16, 6)),
        np.where(soft, 1 + _pick(u_nd, (60, 30, 10)), 1 + _pick(u_nd, (35, 33, 17, 8, 4, 2, 1))),
    ) + power.astype(np.int64)
    kiosk = full & (_u(hp, S_KIOSK) < spec.kiosk_rate)
    kiosk_no = np.floor(_u(hp, S_KIOSKNO) * spec.n_kiosks).astype(np.int64)
    shared = (_u(hp, S_SHARED) < 0.004) & (p > 0)
    nd_total = nd + kiosk + shared

    t0 = spec.start + _u(hp, S_T0) * spec.days * DAY * 0.97
    span = _expo(_u(hp, S_SPAN), np.where(power, 60.0, 20.0) * DAY) + 600.0
    span = np.maximum(np.minimum(span, end - t0 - 60.0), 60.0)
    pend = t0 + span

    # --- devices
    dev_person, d = _segments(nd_total)
    dev_start_idx = np.cumsum(nd_total) - nd_total  # device index of each person's device 0
    hs = _mix(hp[dev_person] ^ _ka(d.astype(np.uint64) + np.uint64(11)))  # slot hash
    is_kiosk = kiosk[dev_person] & (d == nd[dev_person])
    is_shared = shared[dev_person] & (d == nd_total[dev_person] - 1)
    ha = _sub(hs, 1)  # anonymous-id hash of a regular device
    if is_shared.any():
        prev = p[dev_person[is_shared]] - np.uint64(1)
        hprev = _person_hash(spec.seedk, prev)
        ha[is_shared] = _sub(_mix(hprev ^ _k(11)), 1)  # previous person's device 0
    if is_kiosk.any():
        kn = kiosk_no[dev_person[is_kiosk]].astype(np.uint64)
        ha[is_kiosk] = _mix(_mix(kn ^ spec.seedk) + _k(S_KIOSK_ANON))
    u_type = _u(ha, S_DTYPE)
    web = u_type < 0.6
    ios = (~web) & (u_type < 0.8)
    mobile = ~web
    camel = mobile & (_u(ha, S_CAMEL) < 0.5)
    anon_text = _uuids(ha, ios)

    dp_t0, dp_end = t0[dev_person], pend[dev_person]
    first = d == 0
    dstart = np.where(first, dp_t0, dp_t0 + _u(hs, S_DSTART) * (dp_end - dp_t0) * 0.7)
    dend = np.where(is_kiosk, np.minimum(dstart + 3600.0, end - 1.0), dp_end)
    dend = np.maximum(dend, dstart + 1.0)

    base_mean = np.array([4.5, 8.0, 10.5])[kind] * np.where(power, 4.0, 1.0)
    dmean = base_mean[dev_person] * np.where(first, 1.0, 0.6)
    dcount = 1 + np.floor(_expo(_u(hs, S_DCOUNT), dmean)).astype(np.int64)
    dcount = np.where(is_kiosk, 1 + np.floor(_u(hs, S_DCOUNT) * 3).astype(np.int64), dcount)
    dcount = np.minimum(dcount, 3000)

    # registration and logins
    t_reg = t0 + _u(hp, S_TREG) * 0.5 * span + 1.0
    dfull = full[dev_person]
    logs_in = dfull & (first | is_kiosk | (_u(hs, S_LOGIN) < 0.7))
    t_login = np.where(
        first,
        t_reg[dev_person],
        np.maximum(dstart, t_reg[dev_person]) + _expo(_u(hs, S_TLOGIN), 1800.0),
    )
    t_login = np.where(is_kiosk, dstart, t_login)
    t_login = np.where(logs_in, t_login, np.inf)

    echange = full & (_u(hp, S_ECHG) < 0.04)
    t_change = np.where(
        echange, t_reg + DAY + (0.3 + 0.7 * _u(hp, S_TCHG)) * np.maximum(pend - t_reg, 0.0), np.inf
    )

    # --- track and page events
    ev_dev, j = _segments(dcount)
    he = _mix(hs[ev_dev] ^ _ka(j.astype(np.uint64) + np.uint64(1_000_003)))
    ev_start, ev_end = dstart[ev_dev], dend[ev_dev]
    et = np.where(j == 0, ev_start, ev_start + _u(he, S_ET) * (ev_end - ev_start))
    ev_user = et >= t_login[ev_dev]
    ev_mobile = mobile[ev_dev]
    is_page = _u4(he, S_TABLE)[0] < np.where(ev_mobile, 0.15, 0.6)
    ev_person = dev_person[ev_dev]

    # --- identify rows
    parts: list[tuple[I64, I64, F64, I64]] = []  # (device, kind, time, ordinal)
    reg_p = np.flatnonzero(full)
    parts.append(
        (dev_start_idx[reg_p], np.full(len(reg_p), K_REGISTER), t_reg[reg_p], np.zeros_like(reg_p))
    )
    nsoft = np.where(soft, 1 + (_u(hp, S_NSOFT) < 0.3), 0) + soft_first
    sp, sj = _segments(nsoft)
    s_lo = t0[sp]
    s_hi = np.where(full[sp], t_reg[sp] - 1.0, pend[sp])
    ts_soft = s_lo + (_u(hp[sp], S_TSOFT + 0) + sj) / nsoft[sp] * (s_hi - s_lo)
    parts.append((dev_start_idx[sp], np.full(len(sp), K_SOFT), ts_soft, sj))
    login_dev = np.flatnonzero(logs_in & ~first)
    parts.append(
        (login_dev, np.full(len(login_dev), K_LOGIN), t_login[login_dev], np.zeros_like(login_dev))
    )
    nreid = np.where(
        logs_in,
        np.floor(_expo(_u(hs, S_NREID), 0.7 * np.where(power[dev_person], 3.0, 1.0))),
        0,
    ).astype(np.int64)
    nreid = np.where(is_kiosk, 0, np.minimum(nreid, 40))
    rd, rj = _segments(nreid)
    r_lo = t_login[rd]
    r_span = np.where(dend[rd] > r_lo, dend[rd] - r_lo, DAY)
    hr_tmp = _mix(hs[rd] ^ _ka(rj.astype(np.uint64) + np.uint64(2_000_003)))
    parts.append((rd, np.full(len(rd), K_REID), r_lo + 60.0 + _u(hr_tmp, S_ROWT) * r_span, rj))
    cp = np.flatnonzero(echange)
    parts.append((dev_start_idx[cp], np.full(len(cp), K_ECHANGE), t_change[cp], np.zeros_like(cp)))
    i_dev = np.concatenate([x[0] for x in parts]).astype(np.int64)
    i_kind = np.concatenate([x[1] for x in parts]).astype(np.int64)
    i_t = np.concatenate([x[2] for x in parts]).astype(np.float64)
    i_ord = np.concatenate([x[3] for x in parts]).astype(np.uint64)
    i_h = _mix(_mix(hs[i_dev] ^ _ka(i_kind.astype(np.uint64) + np.uint64(3_000_017))) + _ka(i_ord))
    i_person = dev_person[i_dev]
    i_user = i_kind != K_SOFT

    # --- person strings (DuckDB renders them once per person)
    persons_tbl = _person_table(spec, p, hp, full)
    con.register("_idstitch_gen_persons", persons_tbl)
    try:
        ptab = con.execute(_PERSON_SQL).to_arrow_table()
    finally:
        con.unregister("_idstitch_gen_persons")
    uid_col = ptab.column("uid").combine_chunks()

    # --- assemble the three tables
    out: dict[str, pa.Table] = {}
    for table, mask in (("tracks", ~is_page), ("pages", is_page)):
        rows = _Rows(
            h=he[mask],
            person=ev_person[mask],
            dev=ev_dev[mask],
            t=et[mask],
            user=ev_user[mask],
        )
        out[table] = _finish_events(spec, table, rows, mobile, anon_text, uid_col, p)
    irows = _Rows(h=i_h, person=i_person, dev=i_dev, t=i_t, user=i_user)
    irows.extra = {"kind": i_kind, "t_change": t_change[i_person], "t_reg": t_reg[i_person]}
    out["identifies"] = _finish_identifies(
        spec, irows, mobile, camel, anon_text, uid_col, ptab, hp, p, kind
    )
    return out


def _person_table(spec: _Spec, p: U64, hp: U64, full: Bool) -> pa.Table:
    """Per-person numbers that DuckDB turns into user ids, emails and other strings."""
    u_uid = _u(hp, S_UIDKIND)
    uid_kind = np.where(full, _pick(u_uid, (50, 42, 8)), -1)
    num = _perm(p, spec.num_mod, 1, spec.seed)
    uid_num = _perm(p, spec.num_mod, 2, spec.seed) + spec.num_mod // 10
    uid_hex = _fixed_strings(_hex_matrix(_sub(hp, S_UIDHEX))[:, :13])
    style = np.where(
        uid_kind == 2,
        _pick(_u(hp, S_EMAILSTYLE), (50, 20, 10, 20)),
        _pick(_u(hp, S_EMAILSTYLE), (85, 8, 4, 3)),
    )
    company = np.floor(_u(hp, S_COMPANY) ** 3 * max(5, spec.persons // 40)).astype(np.int64)
    bday = np.floor(_u(hp, S_BDAY) * (365.25 * 60)).astype(np.int64)  # from 1946-01-01
    return pa.table(
        {
            "uid_kind": pa.array(uid_kind.astype(np.int8)),
            "uid_num": pa.array(uid_num),
            "uid_hex": uid_hex,
            "num": pa.array(num),
            "pattern": pa.array(_pick(_u(hp, S_PATTERN), (45, 20, 15, 20)).astype(np.int8)),
            "style": pa.array(style.astype(np.int8)),
            "first": _dict(np.floor(_u(hp, S_FIRST) * len(FIRST_NAMES)), FIRST_NAMES),
            "last": _dict(np.floor(_u(hp, S_LAST) * len(LAST_NAMES)), LAST_NAMES),
            "dom1": _dict(_pick(_u(hp, S_DOM1), DOMAIN_WEIGHTS), DOMAINS),
            "dom2": _dict(_pick(_u(hp, S_DOM2), DOMAIN_WEIGHTS), DOMAINS),
            "company": pa.array(company),
            "bday": pa.array(bday.astype(np.int32)),
            "ext_same": pa.array(_u(hp, S_EXTSAME) < 0.5),
            "zendesk": pa.array(_perm(p, spec.num_mod, 3, spec.seed) + 3 * spec.num_mod),
            "stripe": _fixed_strings(_hex_matrix(_sub(hp, S_STRIPE))[:, :14]),
        }
    )


_CAP_LOCAL = """CASE pattern
        WHEN 0 THEN {f} || '.' || {l} || num::VARCHAR
        WHEN 1 THEN {f} || num::VARCHAR
        WHEN 2 THEN left({f}, 1) || {l} || num::VARCHAR
        ELSE {f} || '_' || {l} || num::VARCHAR END"""


def _render_email(local: str, cap: str, dom: str, style: str) -> str:
    return f"""CASE {style}
        WHEN 0 THEN {local} || '@' || {dom}
        WHEN 1 THEN {cap} || '@' || {dom}
        WHEN 2 THEN upper({local} || '@' || {dom})
        ELSE ' ' || {cap} || '@' || upper({dom}) || ' ' END"""


_PERSON_SQL = f"""
WITH b AS (
    SELECT *,
        first::VARCHAR AS first_s,
        last::VARCHAR AS last_s,
        dom1::VARCHAR AS dom1_s,
        dom2::VARCHAR AS dom2_s,
        {_CAP_LOCAL.format(f="first::VARCHAR", l="last::VARCHAR")} AS e1_cap,
        first::VARCHAR || '.' || last::VARCHAR || '.' || num::VARCHAR AS e2_cap
    FROM _idstitch_gen_persons
), c AS (
    SELECT *, lower(e1_cap) AS e1_local, lower(e2_cap) AS e2_local FROM b
)
SELECT
    CASE uid_kind
        WHEN 0 THEN uid_num::VARCHAR
        WHEN 1 THEN uid_hex
        WHEN 2 THEN {_render_email("e1_local", "e1_cap", "dom1_s", "style")}
    END AS uid,
    e1_local, e1_cap, dom1_s AS e1_dom, e2_local, e2_cap, dom2_s AS e2_dom,
    style, first_s AS first_name, last_s AS last_name,
    lower(first_s) || CASE WHEN num % 3 = 0 THEN '_' ELSE '' END
        || lower(last_s) || (num % 1000)::VARCHAR AS username,
    {_sql_list(COMPANY_NAMES)}[company % {len(COMPANY_NAMES)} + 1]
        || ' ' || {_sql_list(COMPANY_SUFFIXES)}[
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


def _take(arr: pa.Array | pa.ChunkedArray, idx: npt.NDArray[Any], mask: Bool | None = None) -> Any:
    indices = pa.array(idx.astype(np.int64), mask=mask)
    return pc.take(arr, indices)


def _timing(spec: _Spec, rows: _Rows, mobile: Bool) -> tuple[I64, I64, I64, Bool]:
    """Timestamp and received_at (epoch ms), copies sent (duplicates), late-copy rows."""
    h, t = rows.h, rows.t
    mob = mobile[rows.dev]
    u_delay, u_ooo, u_back, u_dup = _u4(h, S_DELAY)
    u_fut, u_ahead, _, _ = _u4(h, S_FUT)
    delay = 0.05 + _expo(u_delay, np.where(mob, 20.0, 1.5))
    ooo = u_ooo < np.where(mob, 0.02, 0.01)
    back = 60.0 + u_back**2 * 3 * DAY
    fut = u_fut < 0.0005
    ahead = (1.0 + 3.0 * u_ahead) * 365.0 * DAY
    ts = np.where(ooo, t - back, np.where(fut, t + ahead, t))
    rec = t + delay
    copies = 1 + (u_dup < 0.008)
    late = u_dup < 0.004  # the second copy arrives later
    return _ms(ts), _ms(rec), copies.astype(np.int64), late


def _ms(seconds: F64) -> I64:
    return np.floor(seconds * 1000.0).astype(np.int64)


def _order(spec: _Spec, rows: _Rows, copies: I64) -> tuple[I64, I64]:
    """Row order (by person, then true time) with duplicates repeated; copy number."""
    offset = np.clip(_ms(rows.t - spec.start), 0, (1 << 38) - 1)
    key = (rows.person.astype(np.int64) << 38) | offset
    order = np.argsort(key, kind="stable")
    n_copies = copies[order]
    rep = np.repeat(order, n_copies)
    _, within = _segments(n_copies)
    return rep, within


def _junk(rows: _Rows, has_anon: Bool) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
    n_junk = len(JUNK_IDS)
    u_a, u_ai, u_u, u_ui = _u4(rows.h, S_AJUNK)
    a_code = np.where(has_anon, np.where(u_a < 0.003, np.floor(u_ai * n_junk), -1), -2)
    u_rate = np.where(rows.user, 0.001, 0.003)
    u_code = np.where(u_u < u_rate, np.floor(u_ui * n_junk), -1)
    return a_code.astype(np.int8), u_code.astype(np.int8)


def _common(
    spec: _Spec,
    rows: _Rows,
    mobile: Bool,
    has_anon: Bool,
    anon_text: npt.NDArray[np.uint8],
    uid_col: pa.Array,
    p_glob: U64,
) -> tuple[dict[str, Any], I64]:
    ts, rec, copies, late = _timing(spec, rows, mobile)
    a_code, u_code = _junk(rows, has_anon)
    rep, within = _order(spec, rows, copies)
    hr = rows.h[rep]
    is_late = (within == 1) & late[rep]
    late_ms = np.where(is_late, _ms(60.0 + _u4(hr, S_LATE)[0] * 2 * DAY), 0)
    cols: dict[str, Any] = {
        "_ord": pa.array(np.arange(len(rep), dtype=np.int64)),
        "pg": pa.array(p_glob[rows.person[rep]].astype(np.int64)),
        "id": _message_ids(hr),
        "anon": _fixed_strings(anon_text[rows.dev[rep]]),
        "anon_code": pa.array(a_code[rep]),
        "uid": _take(uid_col, rows.person[rep], mask=~rows.user[rep]),
        "uid_code": pa.array(u_code[rep]),
        "ts": pa.array(ts[rep] * 1000, type=pa.timestamp("us")),
        "rec": pa.array((rec[rep] + late_ms) * 1000, type=pa.timestamp("us")),
    }
    return cols, rep


def _finish_events(
    spec: _Spec,
    table: str,
    rows: _Rows,
    mobile: Bool,
    anon_text: npt.NDArray[np.uint8],
    uid_col: pa.Array,
    p_glob: U64,
) -> pa.Table:
    u_server, u_a, u_b, _ = _u4(rows.h, S_SERVER)
    server = rows.user & (u_server < 0.05) if table == "tracks" else np.zeros(len(u_a), bool)
    cols, rep = _common(spec, rows, mobile, ~server, anon_text, uid_col, p_glob)
    if table == "tracks":
        mob = mobile[rows.dev]
        ev = np.where(mob, _pick(u_a, TRACK_WEIGHTS_MOBILE), _pick(u_a, TRACK_WEIGHTS_WEB))
        cols["event"] = _dict(ev[rep], TRACK_EVENTS)
    else:
        page = _pick(u_a, PAGE_WEIGHTS)[rep]
        cols["page"] = pa.array(page.astype(np.int16))
        ref = np.floor(u_b * len(REFERRERS) * 2.5).astype(np.int64)[rep]
        no_ref = ref >= len(REFERRERS)
        cols["ref"] = _dict(np.where(no_ref, 0, ref), REFERRERS, no_ref)
    return pa.table(cols)


def _finish_identifies(
    spec: _Spec,
    rows: _Rows,
    mobile: Bool,
    camel: Bool,
    anon_text: npt.NDArray[np.uint8],
    uid_col: pa.Array,
    ptab: pa.Table,
    hp: U64,
    p_glob: U64,
    pkind: I64,
) -> pa.Table:
    h = rows.h
    kind = rows.extra["kind"]
    server = (kind == K_REID) & (_u4(h, S_SERVER)[0] < 0.15)
    cols, rep = _common(spec, rows, mobile, ~server, anon_text, uid_col, p_glob)
    hr = h[rep]
    kind = kind[rep]
    person = rows.person[rep]
    dev = rows.dev[rep]
    is_full = (pkind[person] == P_FULL).astype(np.int64)
    php = hp[person]
    show = np.zeros((N_TRAITS, len(rep)), dtype=bool)
    for t in range(N_TRAITS):
        has = _u(php, S_TRAIT + t) < _HAS[t, is_full]
        show[t] = has & (_u(hr, S_TRAIT + t) < _SHOW[t, kind])
    show[T_FULLNAME] &= show[T_NAMES]
    name_only = (
        show[T_NAMEONLY] & ~show[T_NAMES] & (_u(php, S_TRAIT + T_NAMES) < _HAS[T_NAMES, is_full])
    )
    name_only &= _u(hr, S_TRAIT + 40) < 0.1
    # email: which address, rendering, empty-string and junk variants
    second = rows.t[rep] >= rows.extra["t_change"][rep]
    u_e = _u(hr, S_EMPTY)
    email_sel = np.where(
        show[T_EMAIL],
        np.where(u_e < 0.02, 2, np.where(u_e < 0.023, 3, second.astype(np.int64))),
        -1,
    )
    pstyle = np.asarray(ptab.column("style").to_numpy(), dtype=np.int64)[person]
    style = np.where(_u(hr, S_STYLEVAR) < 0.3, _pick(_u(hr, S_STYLE2), (60, 15, 10, 15)), pstyle)
    # phones
    php_short = _u(php, S_SHORT) < 0.03
    phone_fmt = np.where(show[T_PHONE], _pick(_u(hr, S_PHFMT), (30, 20, 20, 15, 15)), -1)
    area = 201 + np.floor(_u(php, S_AREA) * 789).astype(np.int64)
    local = _perm(p_glob[person], 10_000_000, 4, spec.seed)
    short_i = np.floor(_u(php, S_SHORTI) * len(SHORT_PHONES)).astype(np.int64)
    is_camel = camel[dev] & ~server[rep]
    t_reg_s = np.floor(rows.extra["t_reg"][rep])
    plan = np.where(kind == K_REGISTER, 0, _pick(_u(hr, S_PLAN), (40, 35, 15, 10)))

    cols.update(
        {
            "email_sel": pa.array(email_sel.astype(np.int8)),
            "style": pa.array(style.astype(np.int8)),
            "phone_fmt": pa.array(phone_fmt.astype(np.int8)),
            "phone_short": pa.array(php_short),
            "area": pa.array(area),
            "local": pa.array(local),
            "short_i": pa.array(short_i),
            "s_ext": pa.array(show[T_EXT]),
            "s_names": pa.array(show[T_NAMES]),
            "s_fullname": pa.array(show[T_FULLNAME]),
            "s_nameonly": pa.array(name_only),
            "s_username": pa.array(show[T_USERNAME]),
            "title": _dict(np.floor(_u(php, S_TITLE) * len(TITLES)), TITLES, ~show[T_TITLE]),
            "gender": _dict(
                _pick(_u(php, S_GENDER), (30, 30, 8, 8, 6, 6, 2, 1)), GENDERS, ~show[T_GENDER]
            ),
            "s_age": pa.array(show[T_AGE]),
            "s_bday": pa.array(show[T_BDAY]),
            "created_at": pa.array(
                (t_reg_s * US).astype(np.int64),
                type=pa.timestamp("us"),
                mask=~show[T_CREATED],
            ),
            "city": pa.array(
                np.floor(_u(php, S_CITY) * len(CITIES)).astype(np.int16), mask=~show[T_ADDRESS]
            ),
            "s_company": pa.array(show[T_COMPANY]),
            "s_company_id": pa.array(_u(hr, S_TRAIT + 41) < 0.9),
            "s_zendesk": pa.array(show[T_ZENDESK]),
            "s_stripe": pa.array(show[T_STRIPE]),
            "camel": pa.array(is_camel),
            "plan": _dict(plan, PLANS, ~show[T_PLAN]),
        }
    )
    # person strings, row aligned
    for name in (
        "e1_local", "e1_cap", "e1_dom", "e2_local", "e2_cap", "e2_dom", "first_name",
        "last_name", "username", "company_name", "company_id", "birthday", "bday",
        "ext_crm", "zendesk_id", "stripe_customer_id",
    ):  # fmt: skip
        cols["p_" + name] = _take(ptab.column(name), person)
    return pa.table(cols)


# ---------------------------------------------------------------------------
# rendering: one SELECT per table turns the raw chunk into the final columns
# ---------------------------------------------------------------------------

_JUNK = _sql_list(JUNK_IDS)
_COMMON_SQL = f"""
    id,
    CASE WHEN anon_code = -2 THEN NULL
         WHEN anon_code >= 0 THEN {_JUNK}[anon_code + 1]
         ELSE anon END AS anonymous_id,
    CASE WHEN uid_code >= 0 THEN {_JUNK}[uid_code + 1] ELSE uid END AS user_id,
    ts AS "timestamp",
    rec AS received_at"""

_PHONE_SQL = f"""CASE
        WHEN phone_fmt < 0 THEN NULL
        WHEN phone_short THEN {_sql_list(SHORT_PHONES)}[short_i + 1]
        WHEN phone_fmt = 0 THEN printf('+1 (%03d) %03d-%04d', area, local // 10000, local % 10000)
        WHEN phone_fmt = 1 THEN printf('%03d.%03d.%04d', area, local // 10000, local % 10000)
        WHEN phone_fmt = 2 THEN printf('%03d-%03d-%04d', area, local // 10000, local % 10000)
        WHEN phone_fmt = 3 THEN printf('+1%03d%03d%04d', area, local // 10000, local % 10000)
        ELSE printf('%03d %03d %04d', area, local // 10000, local % 10000) END"""


def _final_sql(
    table: str, source: str, start: date, *, ordered: bool = False, truth: bool = False
) -> str:
    """The SELECT that renders a raw chunk registered as ``source``.

    Rows come out in ``source`` order when the connection preserves insertion order
    (DuckDB's default); ``ordered`` adds an explicit ORDER BY for when it does not.
    ``truth`` adds ``true_person``, the simulated person's number (not a Segment column).
    """
    if table == "tracks":
        body = f"{_COMMON_SQL},\n    event::VARCHAR AS event"
    elif table == "pages":
        names = _sql_list(tuple(x[0] for x in PAGES_CATALOG))
        paths = _sql_list(tuple(x[1] for x in PAGES_CATALOG))
        titles = _sql_list(tuple(x[2] for x in PAGES_CATALOG))
        body = f"""{_COMMON_SQL},
    {names}[page + 1] AS name,
    {paths}[page + 1] AS path,
    '{SITE}' || {paths}[page + 1] AS url,
    {titles}[page + 1] AS title,
    ref::VARCHAR AS referrer"""
    else:
        cities = _sql_list(tuple(c[0] for c in CITIES))
        countries = _sql_list(tuple(c[1] for c in CITIES))
        email1 = _render_email("p_e1_local", "p_e1_cap", "p_e1_dom", "style")
        email2 = _render_email("p_e2_local", "p_e2_cap", "p_e2_dom", "style")
        body = f"""{_COMMON_SQL},
    CASE email_sel
        WHEN -1 THEN NULL
        WHEN 0 THEN {email1}
        WHEN 1 THEN {email2}
        WHEN 2 THEN ''
        ELSE ['null', 'undefined', 'N/A', 'None'][style + 1] END AS email,
    {_PHONE_SQL} AS phone,
    CASE WHEN s_ext THEN coalesce(p_ext_crm, uid) END AS external_id,
    CASE WHEN s_names AND NOT camel THEN p_first_name END AS first_name,
    CASE WHEN s_names THEN p_last_name END AS last_name,
    CASE WHEN s_fullname OR s_nameonly THEN p_first_name || ' ' || p_last_name END AS name,
    CASE WHEN s_names AND camel THEN p_first_name END AS "firstName",
    CASE WHEN s_username THEN p_username END AS username,
    title::VARCHAR AS title,
    gender::VARCHAR AS gender,
    CASE WHEN s_age THEN CAST(floor(
        (DATE '{start.isoformat()}' - (DATE '1946-01-01' + p_bday)) / 365.25) AS INTEGER)
    END AS age,
    CASE WHEN s_bday THEN p_birthday END AS birthday,
    created_at,
    {cities}[city + 1] AS address_city,
    {countries}[city + 1] AS address_country,
    CASE WHEN s_company THEN p_company_name END AS company_name,
    CASE WHEN s_company AND s_company_id THEN p_company_id END AS company_id,
    CASE WHEN s_zendesk THEN p_zendesk_id END AS zendesk_id,
    CASE WHEN s_stripe AND NOT camel THEN p_stripe_customer_id END AS stripe_customer_id,
    CASE WHEN s_stripe AND camel THEN p_stripe_customer_id END AS "stripeCustomerId",
    plan::VARCHAR AS plan"""
    casts = ",\n    ".join(f'CAST("{name}" AS {typ}) AS "{name}"' for name, typ in COLUMNS[table])
    if truth:
        casts += ",\n    pg AS true_person"
    order = "\nORDER BY _ord" if ordered else ""
    return f"SELECT\n    {casts}\nFROM (SELECT _ord, pg, {body}\nFROM {source}){order}"


def _preserves_order(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    return bool(row and row[0])


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------


class GenerateError(Exception):
    """A user error: bad arguments or output that exists already."""


def _epoch(start: date) -> float:
    """Epoch seconds of midnight UTC on ``start``."""
    return (datetime(start.year, start.month, start.day) - datetime(1970, 1, 1)).total_seconds()


def _check(persons: int, days: int) -> None:
    if persons < 1:
        raise GenerateError("persons must be at least 1")
    if days < 1:
        raise GenerateError("days must be at least 1")


def _raw_chunks(spec: _Spec, chunk_persons: int) -> Iterator[tuple[int, dict[str, pa.Table]]]:
    """Raw chunks, simulated one chunk ahead in a worker thread (numpy and DuckDB both
    release the GIL, so the simulation overlaps with the caller's writing)."""
    if chunk_persons < 1:
        raise GenerateError("chunk_persons must be at least 1")
    bounds = [
        (lo, min(spec.persons, lo + chunk_persons)) for lo in range(0, spec.persons, chunk_persons)
    ]
    ready: queue.Queue[tuple[int, dict[str, pa.Table]] | BaseException | None] = queue.Queue(1)
    stop = threading.Event()

    def produce() -> None:
        con = duckdb.connect()
        try:
            for lo, hi in bounds:
                item: tuple[int, dict[str, pa.Table]] | BaseException = (
                    hi,
                    _simulate(spec, lo, hi, con),
                )
                while not stop.is_set():
                    try:
                        ready.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(None)
        except BaseException as exc:  # handed to the consumer
            ready.put(exc)
        finally:
            con.close()

    worker = threading.Thread(target=produce, name="idstitch-generate", daemon=True)
    worker.start()
    try:
        while True:
            got = ready.get()
            if got is None:
                return
            if isinstance(got, BaseException):
                raise got
            yield got
    finally:
        stop.set()
        while worker.is_alive():
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.1)
        worker.join()


class _Reporter:
    def __init__(self, persons: int, progress: Progress | None) -> None:
        self.persons = persons
        self.progress = progress
        self.started = time.monotonic()
        self.counts = dict.fromkeys(TABLES, 0)

    def add(self, table: str, rows: int) -> None:
        self.counts[table] += rows

    def chunk(self, done: int) -> None:
        if self.progress is not None:
            events = sum(self.counts.values())
            self.progress(
                f"{done:,}/{self.persons:,} persons, {_short(events)} events, "
                f"{self.elapsed():.1f} s"
            )

    def elapsed(self) -> float:
        return time.monotonic() - self.started


def _short(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"{n / 1_000:.0f}k"
    return str(n)


def iter_tables(
    persons: int,
    seed: int,
    *,
    start: date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    chunk_persons: int = CHUNK_PERSONS,
    truth: bool = False,
) -> Iterator[tuple[int, dict[str, pa.Table]]]:
    """Yield (persons done so far, final Arrow tables of that chunk), chunk by chunk.

    ``truth`` adds a BIGINT column ``true_person`` (the simulated person, 0-based) to
    every table: ground truth for tests. It is not a Segment column.
    """
    _check(persons, days)
    spec = _Spec(persons, seed, _epoch(start), days)
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = true")
        for done, raw in _raw_chunks(spec, chunk_persons):
            out = {}
            for table in TABLES:
                con.register(_RAW_VIEW, raw[table])
                try:
                    sql = _final_sql(table, _RAW_VIEW, start, truth=truth)
                    out[table] = con.execute(sql).to_arrow_table()
                finally:
                    con.unregister(_RAW_VIEW)
            yield done, out
    finally:
        con.close()


_RAW_VIEW = "_idstitch_generate_raw"
_STAGING_PREFIX = "_idstitch_generate_"
_COMMIT_ROWS = 2_000_000  # per table


def generate(
    persons: int,
    seed: int,
    *,
    start: date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    truth: bool = False,
) -> dict[str, pa.Table]:
    """The three tables in memory as Arrow tables (for tests and small runs).

    ``truth`` adds the ground-truth column ``true_person`` (see ``iter_tables``).
    """
    parts: dict[str, list[pa.Table]] = {t: [] for t in TABLES}
    for _, chunk in iter_tables(persons, seed, start=start, days=days, truth=truth):
        for table in TABLES:
            parts[table].append(chunk[table])
    return {t: pa.concat_tables(parts[t]) for t in TABLES}


def arrow_schema(table: str) -> pa.Schema:
    types = {"VARCHAR": pa.string(), "TIMESTAMP": pa.timestamp("us"), "INTEGER": pa.int32()}
    return pa.schema([(name, types[typ]) for name, typ in COLUMNS[table]])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _TableWriter:
    """Appends chunks of one table through its own cursor (so tables load in parallel),
    committing every few million rows: one transaction for everything would hold it
    all in memory."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        table: str,
        target: str,
        start: date,
        quiet: bool,
    ) -> None:
        self.table = table
        self.view = f"{_RAW_VIEW}_{table}"
        self.cur = con.cursor()
        if quiet:
            self.cur.execute("SET enable_progress_bar = false")
        ordered = not _preserves_order(self.cur)
        self.sql = f"INSERT INTO {target} " + _final_sql(table, self.view, start, ordered=ordered)
        self.pending = 0
        self.cur.execute("BEGIN TRANSACTION")

    def insert(self, raw: pa.Table) -> None:
        self.cur.register(self.view, raw)
        try:
            self.cur.execute(self.sql)
        finally:
            self.cur.unregister(self.view)
        self.pending += raw.num_rows
        if self.pending >= _COMMIT_ROWS:
            self.commit()
            self.cur.execute("BEGIN TRANSACTION")

    def commit(self) -> None:
        self.cur.execute("COMMIT")
        self.pending = 0

    def abandon(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.cur.execute("ROLLBACK")

    def close(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.cur.close()


def write_duckdb(
    target: str | Path | duckdb.DuckDBPyConnection,
    schema: str,
    persons: int,
    seed: int,
    *,
    start: date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    replace: bool = False,
    progress: Progress | None = None,
    chunk_persons: int = CHUNK_PERSONS,
) -> dict[str, int]:
    """Write the tables into ``schema`` (created if missing) of a DuckDB database.

    ``target`` is a database file or an open connection. Returns the row count of
    each table. Refuses with ``GenerateError`` when one of the tables exists, unless
    ``replace``. The tables are filled under temporary names and swapped in by one
    transaction at the end: on error the old tables stay and nothing new is left.
    """
    _check(persons, days)
    if isinstance(target, duckdb.DuckDBPyConnection):
        con, own = target, False
    else:
        con, own = duckdb.connect(str(target)), True
    try:
        if own:
            con.execute("SET enable_progress_bar = false")
        existing = {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = ? AND table_catalog = current_database()",
                [schema],
            ).fetchall()
        }
        clash = [t for t in TABLES if t in existing]
        if clash and not replace:
            raise GenerateError(
                f"{', '.join(f'{schema}.{t}' for t in clash)} already "
                f"{'exists' if len(clash) == 1 else 'exist'}; use --replace to overwrite "
                f"{'it' if len(clash) == 1 else 'them'}"
            )
        spec = _Spec(persons, seed, _epoch(start), days)
        report = _Reporter(persons, progress)
        sch = _quote(schema)
        staging = {t: f"{sch}.{_quote(_STAGING_PREFIX + t)}" for t in TABLES}
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {sch}")
        writers: list[_TableWriter] = []
        try:
            for table in TABLES:
                cols = ", ".join(f"{_quote(n)} {t}" for n, t in COLUMNS[table])
                con.execute(f"CREATE OR REPLACE TABLE {staging[table]} ({cols})")
                writers.append(_TableWriter(con, table, staging[table], start, own))
            # the three tables are filled in parallel, each through its own cursor, while
            # the next chunk is simulated; they appear under their names only at the end
            with ThreadPoolExecutor(len(writers), thread_name_prefix="idstitch-insert") as pool:
                for done, raw in _raw_chunks(spec, chunk_persons):
                    futures = [pool.submit(w.insert, raw[w.table]) for w in writers]
                    for future in futures:
                        future.exception()  # wait for all before raising any
                    for w, future in zip(writers, futures, strict=True):
                        future.result()
                        report.add(w.table, raw[w.table].num_rows)
                    report.chunk(done)
            for w in writers:
                w.commit()
            con.execute("BEGIN TRANSACTION")
            for table in TABLES:
                con.execute(f"DROP TABLE IF EXISTS {sch}.{_quote(table)}")
                con.execute(f"ALTER TABLE {staging[table]} RENAME TO {_quote(table)}")
            con.execute("COMMIT")
        except BaseException:
            for w in writers:
                w.abandon()
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            for table in TABLES:
                with contextlib.suppress(duckdb.Error):
                    con.execute(f"DROP TABLE IF EXISTS {staging[table]}")
            raise
        finally:
            for w in writers:
                w.close()
        return report.counts
    finally:
        if own:
            con.close()


def write_parquet(
    directory: str | Path,
    persons: int,
    seed: int,
    *,
    start: date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    replace: bool = False,
    progress: Progress | None = None,
    chunk_persons: int = CHUNK_PERSONS,
) -> dict[str, int]:
    """Write ``DIR/identifies.parquet``, ``DIR/tracks.parquet``, ``DIR/pages.parquet``.

    Refuses (``GenerateError``) when one of the files exists, unless ``replace``.
    Files are written under temporary names and renamed at the end.
    """
    _check(persons, days)
    out = Path(directory)
    targets = {t: out / f"{t}.parquet" for t in TABLES}
    clash = [str(p) for p in targets.values() if p.exists()]
    if clash and not replace:
        raise GenerateError(
            f"{', '.join(clash)} already {'exists' if len(clash) == 1 else 'exist'}; "
            f"use --replace to overwrite {'it' if len(clash) == 1 else 'them'}"
        )
    out.mkdir(parents=True, exist_ok=True)
    tmp = {t: out / f".{t}.parquet.tmp-{os.getpid()}" for t in TABLES}
    writers = {t: pq.ParquetWriter(tmp[t], arrow_schema(t), compression="zstd") for t in TABLES}
    report = _Reporter(persons, progress)
    try:
        for done, chunk in iter_tables(
            persons, seed, start=start, days=days, chunk_persons=chunk_persons
        ):
            for table in TABLES:
                writers[table].write_table(chunk[table].cast(arrow_schema(table)))
                report.add(table, chunk[table].num_rows)
            report.chunk(done)
        for w in writers.values():
            w.close()
        for table in TABLES:
            os.replace(tmp[table], targets[table])
    except BaseException:
        for w in writers.values():
            w.close()
        for path in tmp.values():
            path.unlink(missing_ok=True)
        raise
    return report.counts
