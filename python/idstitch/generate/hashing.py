"""Counter-based randomness: every random number is a hash (splitmix64) of the seed and
a person, device or event key, so a person's data does not depend on how a run is
split into chunks."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from idstitch.generate.arrays import F64, U64
from idstitch.generate.streams import S_PERSON

_MASK = (1 << 64) - 1
_GOLD = 0x9E3779B97F4A7C15
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def stream_key(n: int) -> np.uint64:
    """A stream constant: ``n`` spread over 64 bits."""
    return np.uint64((n * _GOLD) & _MASK)


_GOLD64 = np.uint64(_GOLD)


def stream_keys(n: U64) -> U64:
    """``stream_key`` elementwise for an array of counters."""
    return n.astype(np.uint64) * _GOLD64


def mix(x: U64) -> U64:
    """splitmix64's finaliser, elementwise (uint64 arithmetic wraps)."""
    x = x ^ (x >> _S30)
    x = x * _MUL1
    x ^= x >> _S27
    x *= _MUL2
    x ^= x >> _S31
    return x


def derive(h: U64, stream: int) -> U64:
    """An independent hash for purpose ``stream`` derived from ``h``."""
    return mix(h ^ stream_key(stream + 1))


def unit_float(h: U64) -> F64:
    """Uniform floats in [0, 1) from hashes."""
    return (h >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def uniform(h: U64, stream: int) -> F64:
    return unit_float(derive(h, stream))


_SHIFTS16 = tuple(np.uint64(16 * i) for i in range(4))
_LOW16 = np.uint64(0xFFFF)


def uniform4(h: U64, stream: int) -> tuple[F64, F64, F64, F64]:
    """Four coarse (16-bit) independent uniforms in (0, 1) from one hash: cheaper."""
    x = derive(h, stream)
    a, b, c, d = (
        ((x >> s) & _LOW16).astype(np.float64) * (1.0 / 65536.0) + (0.5 / 65536.0)
        for s in _SHIFTS16
    )
    return a, b, c, d


def pick(u: F64, weights: tuple[float, ...]) -> npt.NDArray[np.int64]:
    """Index into ``weights`` drawn with those (relative) weights."""
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(weights) - 1).astype(np.int64)


def exponential(u: F64, mean: F64 | float) -> F64:
    return -np.log1p(-u) * mean


def seed_key(seed: int) -> np.uint64:
    return np.uint64(int(mix(np.array([seed & _MASK], dtype=np.uint64) ^ stream_key(S_PERSON))[0]))


def hash_persons(seedk: np.uint64, p: U64) -> U64:
    return mix(mix(p ^ seedk) + stream_key(7))


def permute(p: U64, modulus: int, stream: int, seed: int) -> npt.NDArray[np.int64]:
    """A bijection of 0..modulus-1 (for p < modulus), different per seed and stream."""
    # odd multiplier not divisible by 5 is coprime to any power of ten
    mult = (2 * ((seed * 2654435761 + stream * 40503) % 1_000_003) + 3) % modulus
    while math.gcd(mult, modulus) != 1:
        mult += 2
    off = (seed * 97 + stream * 7919) % modulus
    pi = p.astype(object) if modulus * modulus > 2**63 else p.astype(np.int64)
    out = (pi * mult + off) % modulus
    return np.asarray(out, dtype=np.int64)


def power_of_ten_above(n: int, minimum: int) -> int:
    m = minimum
    while m < n:
        m *= 10
    return m
