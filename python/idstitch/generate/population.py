"""The persons of one chunk: what kind of visitor each is, how many devices they use,
when they are active, register and change their email."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from idstitch.generate.arrays import F64, I64, U64, Bool
from idstitch.generate.hashing import exponential, hash_persons, pick, uniform
from idstitch.generate.rates import DAY, P_ANON, P_FULL, P_SOFT
from idstitch.generate.spec import Spec
from idstitch.generate.streams import (
    S_ECHG,
    S_KIND,
    S_KIOSK,
    S_KIOSKNO,
    S_NDEV,
    S_POWER,
    S_SHARED,
    S_SOFTFIRST,
    S_SPAN,
    S_T0,
    S_TCHG,
    S_TREG,
)


@dataclass
class Persons:
    """Arrays aligned by person (chunk-local index); times are epoch seconds."""

    number: U64  # the person's number in the whole run
    hash: U64  # the person's key hash
    kind: I64  # P_ANON, P_SOFT or P_FULL
    full: Bool  # fully registered
    soft: Bool  # soft registration only
    power: Bool  # power user (about four times the activity)
    soft_first: Bool  # fully registered after a soft registration
    own_devices: I64  # devices of their own
    uses_kiosk: Bool  # also logs into a shared kiosk device
    kiosk_number: I64
    uses_shared_device: Bool  # also uses a device of the previous person
    devices: I64  # own devices + kiosk + shared device
    first_seen: F64
    span: F64
    last_seen: F64
    registered_at: F64
    changes_email: Bool
    email_changed_at: F64  # inf when the email never changes


def _own_devices(u_devices: F64, kind: I64, power: Bool) -> I64:
    """1..3 for anonymous visitors, 1..3 for soft registrations, 1..7 for full ones;
    one more for power users."""
    devices = np.where(
        kind == P_ANON,
        1 + pick(u_devices, (78, 16, 6)),
        np.where(
            kind == P_SOFT,
            1 + pick(u_devices, (60, 30, 10)),
            1 + pick(u_devices, (35, 33, 17, 8, 4, 2, 1)),
        ),
    )
    return np.asarray(devices + power.astype(np.int64), dtype=np.int64)


def draw_persons(spec: Spec, lo: int, hi: int) -> Persons:
    """Persons lo..hi-1 of the run."""
    number = np.arange(lo, hi, dtype=np.uint64)
    person_hash = hash_persons(spec.seedk, number)
    period_end = spec.start + spec.days * DAY

    u_kind = uniform(person_hash, S_KIND)
    kind = np.where(u_kind < 0.62, P_ANON, np.where(u_kind < 0.70, P_SOFT, P_FULL))
    full = kind == P_FULL
    soft = kind == P_SOFT
    power = uniform(person_hash, S_POWER) < 0.08
    soft_first = full & (uniform(person_hash, S_SOFTFIRST) < 1 / 3)

    own_devices = _own_devices(uniform(person_hash, S_NDEV), kind, power)
    uses_kiosk = full & (uniform(person_hash, S_KIOSK) < spec.kiosk_rate)
    kiosk_number = np.floor(uniform(person_hash, S_KIOSKNO) * spec.n_kiosks).astype(np.int64)
    uses_shared_device = (uniform(person_hash, S_SHARED) < 0.004) & (number > 0)

    first_seen = spec.start + uniform(person_hash, S_T0) * spec.days * DAY * 0.97
    span = exponential(uniform(person_hash, S_SPAN), np.where(power, 60.0, 20.0) * DAY) + 600.0
    span = np.maximum(np.minimum(span, period_end - first_seen - 60.0), 60.0)
    last_seen = first_seen + span

    registered_at = first_seen + uniform(person_hash, S_TREG) * 0.5 * span + 1.0
    changes_email = full & (uniform(person_hash, S_ECHG) < 0.04)
    email_changed_at = np.where(
        changes_email,
        registered_at
        + DAY
        + (0.3 + 0.7 * uniform(person_hash, S_TCHG)) * np.maximum(last_seen - registered_at, 0.0),
        np.inf,
    )
    return Persons(
        number=number,
        hash=person_hash,
        kind=kind,
        full=full,
        soft=soft,
        power=power,
        soft_first=soft_first,
        own_devices=own_devices,
        uses_kiosk=uses_kiosk,
        kiosk_number=kiosk_number,
        uses_shared_device=uses_shared_device,
        devices=own_devices + uses_kiosk + uses_shared_device,
        first_seen=first_seen,
        span=span,
        last_seen=last_seen,
        registered_at=registered_at,
        changes_email=changes_email,
        email_changed_at=email_changed_at,
    )
