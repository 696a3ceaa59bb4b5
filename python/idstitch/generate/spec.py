"""The parameters of one run (``Spec``), their checks, and the generator's user error."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from idstitch.generate.hashing import power_of_ten_above, seed_key
from idstitch.generate.rates import KIOSK_PERSONS, PERSONS_PER_KIOSK


class GenerateError(Exception):
    """A user error: bad arguments or output that exists already."""


@dataclass
class Spec:
    """A run: how many persons, which seed, the simulated period; and what follows."""

    persons: int
    seed: int
    start: float  # epoch seconds
    days: int
    seedk: np.uint64 = field(init=False)
    n_kiosks: int = field(init=False)
    kiosk_rate: float = field(init=False)
    num_mod: int = field(init=False)

    def __post_init__(self) -> None:
        self.seedk = seed_key(self.seed)
        self.n_kiosks = max(1, math.ceil(self.persons / PERSONS_PER_KIOSK))
        # rate among full registrations (30% of persons)
        self.kiosk_rate = min(1.0, KIOSK_PERSONS * self.n_kiosks / (0.30 * max(self.persons, 1)))
        self.num_mod = power_of_ten_above(10 * self.persons, 10_000)


def epoch_seconds(start: date) -> float:
    """Epoch seconds of midnight UTC on ``start``."""
    return (datetime(start.year, start.month, start.day) - datetime(1970, 1, 1)).total_seconds()


def check_arguments(persons: int, days: int) -> None:
    if persons < 1:
        raise GenerateError("persons must be at least 1")
    if days < 1:
        raise GenerateError("days must be at least 1")
