"""The columns every table shares: message id, anonymous and user id (with junk
values), timestamp and received_at (delays, clock skew, future times), duplicates and
row order; and the columns of tracks and pages."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from idstitch.generate.arrays import I64, Bool, segments
from idstitch.generate.calls import Calls
from idstitch.generate.catalog import (
    JUNK_IDS,
    PAGE_WEIGHTS,
    REFERRERS,
    TRACK_EVENTS,
    TRACK_WEIGHTS_MOBILE,
    TRACK_WEIGHTS_WEB,
)
from idstitch.generate.devices import Devices
from idstitch.generate.hashing import exponential, pick, uniform4
from idstitch.generate.population import Persons
from idstitch.generate.rates import DAY
from idstitch.generate.spec import Spec
from idstitch.generate.streams import S_AJUNK, S_DELAY, S_FUT, S_LATE, S_SERVER
from idstitch.generate.text import dictionary_strings, fixed_width_strings, message_ids, take


def to_ms(seconds: npt.NDArray[np.float64]) -> I64:
    return np.floor(seconds * 1000.0).astype(np.int64)


def timing(calls: Calls, mobile: Bool) -> tuple[I64, I64, I64, Bool]:
    """Timestamp and received_at (epoch ms), copies sent (duplicates), late-copy rows."""
    h, t = calls.hash, calls.at
    mob = mobile[calls.device]
    u_delay, u_ooo, u_back, u_dup = uniform4(h, S_DELAY)
    u_fut, u_ahead, _, _ = uniform4(h, S_FUT)
    delay = 0.05 + exponential(u_delay, np.where(mob, 20.0, 1.5))
    ooo = u_ooo < np.where(mob, 0.02, 0.01)
    back = 60.0 + u_back**2 * 3 * DAY
    fut = u_fut < 0.0005
    ahead = (1.0 + 3.0 * u_ahead) * 365.0 * DAY
    ts = np.where(ooo, t - back, np.where(fut, t + ahead, t))
    rec = t + delay
    copies = 1 + (u_dup < 0.008)
    late = u_dup < 0.004  # the second copy arrives later
    return to_ms(ts), to_ms(rec), copies.astype(np.int64), late


def row_order(spec: Spec, calls: Calls, copies: I64) -> tuple[I64, I64]:
    """Row order (by person, then true time) with duplicates repeated; copy number."""
    offset = np.clip(to_ms(calls.at - spec.start), 0, (1 << 38) - 1)
    key = (calls.person.astype(np.int64) << 38) | offset
    order = np.argsort(key, kind="stable")
    n_copies = copies[order]
    rep = np.repeat(order, n_copies)
    _, within = segments(n_copies)
    return rep, within


def junk_codes(calls: Calls, has_anon: Bool) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
    """Per row: which junk value replaces the anonymous id and the user id (-1: none;
    -2: no anonymous id at all)."""
    n_junk = len(JUNK_IDS)
    u_a, u_ai, u_u, u_ui = uniform4(calls.hash, S_AJUNK)
    a_code = np.where(has_anon, np.where(u_a < 0.003, np.floor(u_ai * n_junk), -1), -2)
    u_rate = np.where(calls.with_user_id, 0.001, 0.003)
    u_code = np.where(u_u < u_rate, np.floor(u_ui * n_junk), -1)
    return a_code.astype(np.int8), u_code.astype(np.int8)


def common_columns(
    spec: Spec,
    calls: Calls,
    persons: Persons,
    devices: Devices,
    has_anon: Bool,
    user_ids: pa.Array,
) -> tuple[dict[str, Any], I64]:
    """The shared raw columns in row order, and each row's call (duplicates repeated)."""
    ts, rec, copies, late = timing(calls, devices.mobile)
    a_code, u_code = junk_codes(calls, has_anon)
    rep, within = row_order(spec, calls, copies)
    row_hash = calls.hash[rep]
    is_late = (within == 1) & late[rep]
    late_ms = np.where(is_late, to_ms(60.0 + uniform4(row_hash, S_LATE)[0] * 2 * DAY), 0)
    cols: dict[str, Any] = {
        "_ord": pa.array(np.arange(len(rep), dtype=np.int64)),
        "pg": pa.array(persons.number[calls.person[rep]].astype(np.int64)),
        "id": message_ids(row_hash),
        "anon": fixed_width_strings(devices.anonymous_id[calls.device[rep]]),
        "anon_code": pa.array(a_code[rep]),
        "uid": take(user_ids, calls.person[rep], mask=~calls.with_user_id[rep]),
        "uid_code": pa.array(u_code[rep]),
        "ts": pa.array(ts[rep] * 1000, type=pa.timestamp("us")),
        "rec": pa.array((rec[rep] + late_ms) * 1000, type=pa.timestamp("us")),
    }
    return cols, rep


def event_table(
    spec: Spec,
    table: str,
    calls: Calls,
    persons: Persons,
    devices: Devices,
    user_ids: pa.Array,
) -> pa.Table:
    """The raw ``tracks`` or ``pages`` chunk: shared columns plus event or page."""
    u_server, u_a, u_b, _ = uniform4(calls.hash, S_SERVER)
    server = (
        calls.with_user_id & (u_server < 0.05) if table == "tracks" else np.zeros(len(u_a), bool)
    )
    cols, rep = common_columns(spec, calls, persons, devices, ~server, user_ids)
    if table == "tracks":
        mob = devices.mobile[calls.device]
        ev = np.where(mob, pick(u_a, TRACK_WEIGHTS_MOBILE), pick(u_a, TRACK_WEIGHTS_WEB))
        cols["event"] = dictionary_strings(ev[rep], TRACK_EVENTS)
    else:
        page = pick(u_a, PAGE_WEIGHTS)[rep]
        cols["page"] = pa.array(page.astype(np.int16))
        ref = np.floor(u_b * len(REFERRERS) * 2.5).astype(np.int64)[rep]
        no_ref = ref >= len(REFERRERS)
        cols["ref"] = dictionary_strings(np.where(no_ref, 0, ref), REFERRERS, no_ref)
    return pa.table(cols)
