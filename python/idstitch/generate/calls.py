"""When each call happens: the track and page events of every device, and the identify
calls (soft registrations, registrations, logins, re-identifies, email changes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from idstitch.generate.arrays import F64, I64, U64, Bool, segments
from idstitch.generate.devices import Devices
from idstitch.generate.hashing import exponential, mix, stream_keys, uniform, uniform4
from idstitch.generate.population import Persons
from idstitch.generate.rates import DAY, K_ECHANGE, K_LOGIN, K_REGISTER, K_REID, K_SOFT
from idstitch.generate.streams import S_ET, S_NREID, S_NSOFT, S_ROWT, S_TABLE, S_TSOFT


@dataclass
class Calls:
    """Calls of one kind, aligned by call; ``kind`` only for identify calls."""

    hash: U64  # key hash of the call (its message id)
    person: I64  # chunk-local person index
    device: I64  # chunk-local device index
    at: F64  # true time of the call, epoch seconds
    with_user_id: Bool  # the call carries the person's user_id
    kind: I64 | None = None  # identify calls: K_SOFT, K_REGISTER, ...


def events(devices: Devices) -> tuple[Calls, Bool]:
    """Track and page events of every device, and which of them are page views."""
    device, number = segments(devices.events)
    event_hash = mix(
        devices.hash[device] ^ stream_keys(number.astype(np.uint64) + np.uint64(1_000_003))
    )
    start, end = devices.active_from[device], devices.active_to[device]
    at = np.where(number == 0, start, start + uniform(event_hash, S_ET) * (end - start))
    is_page = uniform4(event_hash, S_TABLE)[0] < np.where(devices.mobile[device], 0.15, 0.6)
    calls = Calls(
        hash=event_hash,
        person=devices.person[device],
        device=device,
        at=at,
        with_user_id=at >= devices.login_at[device],
    )
    return calls, is_page


def _select(calls: Calls, mask: Bool) -> Calls:
    return Calls(
        hash=calls.hash[mask],
        person=calls.person[mask],
        device=calls.device[mask],
        at=calls.at[mask],
        with_user_id=calls.with_user_id[mask],
    )


def tracks_and_pages(devices: Devices) -> tuple[Calls, Calls]:
    calls, is_page = events(devices)
    return _select(calls, ~is_page), _select(calls, is_page)


# (device, kind, time, ordinal among the device's calls of that kind)
_Part = tuple[I64, I64, F64, I64]


def _soft_registrations(persons: Persons, devices: Devices) -> _Part:
    """One or two soft registrations (email only), before a full registration if any."""
    count = np.where(persons.soft, 1 + (uniform(persons.hash, S_NSOFT) < 0.3), 0)
    count = count + persons.soft_first
    person, ordinal = segments(count)
    low = persons.first_seen[person]
    high = np.where(
        persons.full[person], persons.registered_at[person] - 1.0, persons.last_seen[person]
    )
    at = low + (uniform(persons.hash[person], S_TSOFT + 0) + ordinal) / count[person] * (high - low)
    return devices.first_of_person[person], np.full(len(person), K_SOFT), at, ordinal


def _reidentifies(persons: Persons, devices: Devices) -> _Part:
    """Later identify calls with some traits on logged-in devices (none on kiosks)."""
    mean = 0.7 * np.where(persons.power[devices.person], 3.0, 1.0)
    count = np.where(
        devices.logs_in, np.floor(exponential(uniform(devices.hash, S_NREID), mean)), 0
    ).astype(np.int64)
    count = np.where(devices.is_kiosk, 0, np.minimum(count, 40))
    device, ordinal = segments(count)
    low = devices.login_at[device]
    span = np.where(devices.active_to[device] > low, devices.active_to[device] - low, DAY)
    call_hash = mix(
        devices.hash[device] ^ stream_keys(ordinal.astype(np.uint64) + np.uint64(2_000_003))
    )
    at = low + 60.0 + uniform(call_hash, S_ROWT) * span
    return device, np.full(len(device), K_REID), at, ordinal


def identifies(persons: Persons, devices: Devices) -> Calls:
    """Every identify call of the chunk, grouped by kind (the rows are sorted later)."""
    registered = np.flatnonzero(persons.full)
    logins = np.flatnonzero(devices.logs_in & (devices.slot != 0))
    changed = np.flatnonzero(persons.changes_email)
    parts: list[_Part] = [
        (
            devices.first_of_person[registered],
            np.full(len(registered), K_REGISTER),
            persons.registered_at[registered],
            np.zeros_like(registered),
        ),
        _soft_registrations(persons, devices),
        (logins, np.full(len(logins), K_LOGIN), devices.login_at[logins], np.zeros_like(logins)),
        _reidentifies(persons, devices),
        (
            devices.first_of_person[changed],
            np.full(len(changed), K_ECHANGE),
            persons.email_changed_at[changed],
            np.zeros_like(changed),
        ),
    ]
    device = np.concatenate([x[0] for x in parts]).astype(np.int64)
    kind = np.concatenate([x[1] for x in parts]).astype(np.int64)
    at = np.concatenate([x[2] for x in parts]).astype(np.float64)
    ordinal = np.concatenate([x[3] for x in parts]).astype(np.uint64)
    call_hash = mix(
        mix(devices.hash[device] ^ stream_keys(kind.astype(np.uint64) + np.uint64(3_000_017)))
        + stream_keys(ordinal)
    )
    return Calls(
        hash=call_hash,
        person=devices.person[device],
        device=device,
        at=at,
        with_user_id=kind != K_SOFT,
        kind=kind,
    )
