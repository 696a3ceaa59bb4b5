"""The devices of one chunk's persons: their anonymous ids (shared devices and kiosks
included), platform, active period, number of events and when the person logs in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from idstitch.generate.arrays import F64, I64, U64, Bool, segments
from idstitch.generate.hashing import (
    derive,
    exponential,
    hash_persons,
    mix,
    stream_key,
    stream_keys,
    uniform,
)
from idstitch.generate.population import Persons
from idstitch.generate.rates import DAY
from idstitch.generate.spec import Spec
from idstitch.generate.streams import (
    S_CAMEL,
    S_DCOUNT,
    S_DSTART,
    S_DTYPE,
    S_KIOSK_ANON,
    S_LOGIN,
    S_TLOGIN,
)
from idstitch.generate.text import uuid_text


@dataclass
class Devices:
    """Arrays aligned by device (chunk-local index); times are epoch seconds."""

    person: I64  # chunk-local person index
    slot: I64  # the device's number among its person's devices (0: the first)
    first_of_person: I64  # by person: index of the person's device 0
    hash: U64  # key hash of the (person, slot)
    is_kiosk: Bool
    mobile: Bool
    camel: Bool  # a camelCase SDK (firstName, stripeCustomerId)
    anonymous_id: npt.NDArray[np.uint8]  # (n, 36) UUID text
    active_from: F64
    active_to: F64
    events: I64  # track and page events sent
    logs_in: Bool
    login_at: F64  # inf when the device never logs in


def _anonymous_id_hashes(
    spec: Spec,
    persons: Persons,
    device_person: I64,
    slot_hash: U64,
    is_kiosk: Bool,
    is_shared: Bool,
) -> U64:
    """A regular device's own id; a shared device reuses the previous person's device 0;
    a kiosk has the id of its kiosk number."""
    anon_hash = derive(slot_hash, 1)
    if is_shared.any():
        previous = persons.number[device_person[is_shared]] - np.uint64(1)
        previous_hash = hash_persons(spec.seedk, previous)
        anon_hash[is_shared] = derive(mix(previous_hash ^ stream_key(11)), 1)
    if is_kiosk.any():
        kiosk = persons.kiosk_number[device_person[is_kiosk]].astype(np.uint64)
        anon_hash[is_kiosk] = mix(mix(kiosk ^ spec.seedk) + stream_key(S_KIOSK_ANON))
    return anon_hash


def draw_devices(spec: Spec, persons: Persons) -> Devices:
    period_end = spec.start + spec.days * DAY
    device_person, slot = segments(persons.devices)
    first_of_person = np.cumsum(persons.devices) - persons.devices
    slot_hash = mix(
        persons.hash[device_person] ^ stream_keys(slot.astype(np.uint64) + np.uint64(11))
    )
    is_kiosk = persons.uses_kiosk[device_person] & (slot == persons.own_devices[device_person])
    is_shared = persons.uses_shared_device[device_person] & (
        slot == persons.devices[device_person] - 1
    )
    anon_hash = _anonymous_id_hashes(spec, persons, device_person, slot_hash, is_kiosk, is_shared)
    u_type = uniform(anon_hash, S_DTYPE)
    web = u_type < 0.6
    ios = (~web) & (u_type < 0.8)
    mobile = ~web
    camel = mobile & (uniform(anon_hash, S_CAMEL) < 0.5)

    person_from, person_to = persons.first_seen[device_person], persons.last_seen[device_person]
    first = slot == 0
    active_from = np.where(
        first,
        person_from,
        person_from + uniform(slot_hash, S_DSTART) * (person_to - person_from) * 0.7,
    )
    active_to = np.where(is_kiosk, np.minimum(active_from + 3600.0, period_end - 1.0), person_to)
    active_to = np.maximum(active_to, active_from + 1.0)

    base_mean = np.array([4.5, 8.0, 10.5])[persons.kind] * np.where(persons.power, 4.0, 1.0)
    mean = base_mean[device_person] * np.where(first, 1.0, 0.6)
    events = 1 + np.floor(exponential(uniform(slot_hash, S_DCOUNT), mean)).astype(np.int64)
    events = np.where(
        is_kiosk, 1 + np.floor(uniform(slot_hash, S_DCOUNT) * 3).astype(np.int64), events
    )
    events = np.minimum(events, 3000)

    registered_at = persons.registered_at[device_person]
    logs_in = persons.full[device_person] & (first | is_kiosk | (uniform(slot_hash, S_LOGIN) < 0.7))
    login_at = np.where(
        first,
        registered_at,
        np.maximum(active_from, registered_at) + exponential(uniform(slot_hash, S_TLOGIN), 1800.0),
    )
    login_at = np.where(is_kiosk, active_from, login_at)
    login_at = np.where(logs_in, login_at, np.inf)
    return Devices(
        person=device_person,
        slot=slot,
        first_of_person=first_of_person,
        hash=slot_hash,
        is_kiosk=is_kiosk,
        mobile=mobile,
        camel=camel,
        anonymous_id=uuid_text(anon_hash, ios),
        active_from=active_from,
        active_to=active_to,
        events=events,
        logs_in=logs_in,
        login_at=login_at,
    )
