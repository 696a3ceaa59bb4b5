"""Per-person envelope encryption: the primitives, with no database in sight.

Three kinds of key, all 256 bits:

master key
    Supplied by the operator, never stored by idstitch. Read from the environment
    variable ``IDSTITCH_MASTER_KEY`` (standard base64 of exactly 32 bytes) or from
    the file named by ``IDSTITCH_MASTER_KEY_FILE`` (the file holds the base64 text;
    surrounding whitespace is ignored). Setting both is an error, so there is never
    a doubt about which key is in use. Its identity is the *key id*: the first 8 hex
    digits of ``SHA-256(b"idstitch-key-id" + key)``; the key id is not secret and is
    written next to every key the master key wraps.

data key
    One random key per person. Stored only *wrapped*: AES-256-GCM under the master
    key with associated data ``b"idstitch:data-key:" + person_id``, as the text
    ``k1:<key id>:<base64(nonce || ciphertext)>`` (12-byte nonce, 48-byte
    ciphertext+tag). Because the person id is authenticated, a wrapped key copied to
    another person does not unwrap. Destroying the wrapped key destroys every value
    encrypted with it, wherever copies of those values live ("crypto-shredding").

index key
    One random key for the whole key store, wrapped like a data key but with
    associated data ``b"idstitch:index-key"``. It keys HMAC-SHA256 over
    ``"<type>:<normalised value>"`` so identifiers can be matched (lookups,
    suppression of forgotten people) without storing them. It is separate from the
    master key, so rotating the master key leaves every hash unchanged.

Text formats (all ASCII, all versioned by their prefix so a later scheme can live
beside this one):

* ``k1:<8 hex key id>:<base64>`` -- a wrapped data or index key;
* ``e1:<base64(nonce || ciphertext)>`` -- a value: AES-256-GCM under the person's
  data key, random 96-bit nonce, associated data ``person_id + "\\x1f" + column``
  (UTF-8), so a ciphertext moved to another person's row or to another column fails
  to decrypt instead of showing the wrong data. NULL stays NULL.
* ``h1:<64 hex>`` -- an identifier hash: HMAC-SHA256 under the index key of
  ``"<type>:<normalised value>"`` (UTF-8). The ``h1:`` prefix (a deliberate
  addition to plain hex) makes a hashed ``identifier_value`` in ``user_identifiers``
  distinguishable from a plain one without any configuration: a plain identifier
  of exactly this shape does not occur unless someone copies one in.

Errors never contain a key, a plaintext or a ciphertext: only column names, person
ids (already pseudonyms in every output table) and key ids.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16

MASTER_KEY_ENV = "IDSTITCH_MASTER_KEY"
MASTER_KEY_FILE_ENV = "IDSTITCH_MASTER_KEY_FILE"
NEW_MASTER_KEY_ENV = "IDSTITCH_NEW_MASTER_KEY"
NEW_MASTER_KEY_FILE_ENV = "IDSTITCH_NEW_MASTER_KEY_FILE"

WRAPPED_PREFIX = "k1"
VALUE_PREFIX = "e1:"
HASH_PREFIX = "h1:"
_KEY_ID_LABEL = b"idstitch-key-id"
_DATA_KEY_AAD = b"idstitch:data-key:"
INDEX_KEY_AAD = b"idstitch:index-key"
COLUMN_SEPARATOR = "\x1f"

_KEY_ID_RE = re.compile(r"^[0-9a-f]{8}$")
_HASH_RE = re.compile(r"^h1:[0-9a-f]{64}$")
_B64_RE = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


# --------------------------------------------------------------------------- errors


class IdstitchCryptoError(Exception):
    """Base class of every error this package raises about keys and ciphertexts."""


class MasterKeyError(IdstitchCryptoError):
    """The master key is missing, unreadable or not base64 of 32 bytes."""


class MasterKeyMismatchError(IdstitchCryptoError):
    """A wrapped key was made under a different master key than the one supplied."""

    def __init__(self, supplied_key_id: str, store_key_id: str) -> None:
        self.supplied_key_id = supplied_key_id
        self.store_key_id = store_key_id
        super().__init__(
            f"master key does not match the key store (key id {supplied_key_id}, "
            f"store uses {store_key_id})"
        )


class WrappedKeyError(IdstitchCryptoError):
    """A wrapped key is malformed, tampered with, or belongs to another person."""


class MissingDataKeyError(IdstitchCryptoError):
    """A value must be encrypted for a person who has no data key."""


class TamperedCiphertextError(IdstitchCryptoError):
    """A stored value is not a valid ciphertext for its person and column.

    Raised when authentication fails (the value was changed, or was copied from
    another person's row or another column) and when the text is not in the
    ``e1:`` format at all. ``column`` and ``person_id`` say where; the value itself
    is never part of the message.
    """

    def __init__(self, column: str, person_id: str | None, reason: str) -> None:
        self.column = column
        self.person_id = person_id
        self.reason = reason
        super().__init__(
            f"column {column!r} of person {person_id!r}: {reason}; the stored ciphertext "
            "was altered, or was copied from another row or column"
        )


# ----------------------------------------------------------------------- master key


def key_id(key: bytes) -> str:
    """The public identity of a key: 8 hex digits of SHA-256 over a label and the key."""
    return hashlib.sha256(_KEY_ID_LABEL + key).hexdigest()[:8]


@dataclass(frozen=True)
class MasterKey:
    """A 32-byte master key. ``repr`` and ``str`` show only the key id."""

    key: bytes = field(repr=False)
    key_id: str = field(init=False)

    def __post_init__(self) -> None:
        if len(self.key) != KEY_BYTES:
            raise MasterKeyError(f"master key must be {KEY_BYTES} bytes")
        object.__setattr__(self, "key_id", key_id(self.key))

    def __str__(self) -> str:
        return f"MasterKey(key_id={self.key_id})"

    @cached_property
    def aead(self) -> AESGCM:
        return AESGCM(self.key)


def generate_master_key() -> str:
    """A new random master key as the base64 text to put in the environment or a file."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def _master_key_hint(env_var: str, file_var: str) -> str:
    return f"(expected base64 of {KEY_BYTES} bytes in {env_var} or a file named by {file_var})"


def parse_master_key(
    text: str, *, env_var: str = MASTER_KEY_ENV, file_var: str = MASTER_KEY_FILE_ENV
) -> MasterKey:
    """Decode base64 text into a :class:`MasterKey`; the error never echoes the text."""
    hint = _master_key_hint(env_var, file_var)
    stripped = text.strip()
    if not stripped:
        raise MasterKeyError(f"master key missing {hint}")
    try:
        raw = base64.b64decode(stripped, validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(f"master key invalid: not base64 {hint}") from None
    if len(raw) != KEY_BYTES:
        raise MasterKeyError(f"master key invalid: decodes to {len(raw)} bytes {hint}")
    return MasterKey(raw)


def load_master_key(
    environ: Mapping[str, str] | None = None,
    *,
    env_var: str = MASTER_KEY_ENV,
    file_var: str = MASTER_KEY_FILE_ENV,
) -> MasterKey:
    """The master key from ``env_var`` or the file named by ``file_var``.

    ``environ`` defaults to ``os.environ``. Pass ``NEW_MASTER_KEY_ENV`` /
    ``NEW_MASTER_KEY_FILE_ENV`` to read the key a rotation moves to.
    """
    env = os.environ if environ is None else environ
    hint = _master_key_hint(env_var, file_var)
    inline = env.get(env_var, "")
    path = env.get(file_var, "")
    if inline.strip() and path.strip():
        raise MasterKeyError(f"master key ambiguous: both {env_var} and {file_var} are set {hint}")
    if inline.strip():
        return parse_master_key(inline, env_var=env_var, file_var=file_var)
    if path.strip():
        try:
            text = Path(path).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not text"
            raise MasterKeyError(
                f"master key missing: cannot read the file named by {file_var} "
                f"({path}): {reason} {hint}"
            ) from None
        return parse_master_key(text, env_var=env_var, file_var=file_var)
    raise MasterKeyError(f"master key missing {hint}")


MasterKeySource = Callable[[], MasterKey]
"""Something that yields the master key when asked (read lazily, e.g. from the env)."""


def master_key_source(master_key: MasterKey | None = None) -> MasterKeySource:
    """A fixed key if one is given, else a reader of the environment at call time."""
    if master_key is not None:
        fixed = master_key
        return lambda: fixed
    return load_master_key


# ------------------------------------------------------------------------ wrapping


def new_key() -> bytes:
    """A fresh random 256-bit data or index key."""
    return os.urandom(KEY_BYTES)


def data_key_aad(person_id: str) -> bytes:
    return _DATA_KEY_AAD + person_id.encode("utf-8")


def _wrap(master: MasterKey, key: bytes, aad: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = master.aead.encrypt(nonce, key, aad)
    return f"{WRAPPED_PREFIX}:{master.key_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def wrapped_key_id(wrapped: str, what: str = "wrapped key") -> str:
    """The key id of the master key that wrapped ``wrapped`` (format checked)."""
    parts = wrapped.split(":")
    if len(parts) != 3 or parts[0] != WRAPPED_PREFIX or not _KEY_ID_RE.match(parts[1]):
        raise WrappedKeyError(f"{what} is not in the k1:<key id>:<base64> format")
    return parts[1]


def _unwrap(master: MasterKey, wrapped: str, aad: bytes, what: str) -> bytes:
    store_id = wrapped_key_id(wrapped, what)
    if store_id != master.key_id:
        raise MasterKeyMismatchError(master.key_id, store_id)
    body = wrapped.split(":", 2)[2]
    try:
        blob = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise WrappedKeyError(f"{what} is not valid base64") from None
    if len(blob) != NONCE_BYTES + KEY_BYTES + TAG_BYTES:
        raise WrappedKeyError(f"{what} has the wrong length")
    try:
        key = master.aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag:
        raise WrappedKeyError(
            f"{what} does not unwrap: it was altered or belongs to another person"
        ) from None
    return key


def wrap_data_key(master: MasterKey, person_id: str, key: bytes) -> str:
    """Wrap a person's data key; only this person id can unwrap it again."""
    return _wrap(master, key, data_key_aad(person_id))


def unwrap_data_key(master: MasterKey, person_id: str, wrapped: str) -> bytes:
    return _unwrap(master, wrapped, data_key_aad(person_id), f"data key of person {person_id!r}")


def wrap_index_key(master: MasterKey, key: bytes) -> str:
    return _wrap(master, key, INDEX_KEY_AAD)


def unwrap_index_key(master: MasterKey, wrapped: str) -> bytes:
    return _unwrap(master, wrapped, INDEX_KEY_AAD, "index key")


def new_wrapped_data_key(master: MasterKey, person_id: str) -> str:
    return wrap_data_key(master, person_id, new_key())


def rewrap_data_key(old: MasterKey, new: MasterKey, person_id: str, wrapped: str) -> str:
    """Unwrap under ``old`` (verifying it) and wrap the same key under ``new``."""
    return wrap_data_key(new, person_id, unwrap_data_key(old, person_id, wrapped))


def rewrap_index_key(old: MasterKey, new: MasterKey, wrapped: str) -> str:
    return wrap_index_key(new, unwrap_index_key(old, wrapped))


# -------------------------------------------------------------------------- values


def value_aad(person_id: str, column: str) -> bytes:
    return f"{person_id}{COLUMN_SEPARATOR}{column}".encode()


def encrypt_value(
    data_key: AESGCM, person_id: str, column: str, value: str | None, nonce: bytes | None = None
) -> str | None:
    """``e1:`` ciphertext of ``value`` for this person and column; None stays None."""
    if value is None:
        return None
    nonce = os.urandom(NONCE_BYTES) if nonce is None else nonce
    sealed = data_key.encrypt(nonce, value.encode("utf-8"), value_aad(person_id, column))
    return VALUE_PREFIX + base64.b64encode(nonce + sealed).decode("ascii")


def is_ciphertext(text: str) -> bool:
    """True if ``text`` has the shape of an ``e1:`` ciphertext (not whether it is valid)."""
    if not text.startswith(VALUE_PREFIX):
        return False
    body = text[len(VALUE_PREFIX) :]
    return len(body) >= 40 and _B64_RE.match(body) is not None


def decrypt_value(
    data_key: AESGCM, person_id: str, column: str, ciphertext: str | None
) -> str | None:
    """The plaintext of an ``e1:`` value; raises :class:`TamperedCiphertextError`."""
    if ciphertext is None:
        return None
    if not ciphertext.startswith(VALUE_PREFIX):
        raise TamperedCiphertextError(column, person_id, "value is not an e1: ciphertext")
    try:
        blob = base64.b64decode(ciphertext[len(VALUE_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise TamperedCiphertextError(column, person_id, "ciphertext is not valid base64") from None
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise TamperedCiphertextError(column, person_id, "ciphertext is too short")
    try:
        plain = data_key.decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], value_aad(person_id, column)
        )
    except InvalidTag:
        raise TamperedCiphertextError(column, person_id, "authentication failed") from None
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:  # pragma: no cover - authenticated bytes are ours
        raise TamperedCiphertextError(column, person_id, "plaintext is not UTF-8") from None


# ------------------------------------------------------------------ identifier hash


def identifier_hash(index_key: bytes, identifier_type: str, value: str) -> str:
    """``h1:`` + hex HMAC-SHA256 of ``"<type>:<normalised value>"`` under the index key."""
    digest = hmac.new(index_key, f"{identifier_type}:{value}".encode(), hashlib.sha256)
    return HASH_PREFIX + digest.hexdigest()


def is_identifier_hash(value: str) -> bool:
    return _HASH_RE.match(value) is not None


# ------------------------------------------------------------------------ key cache


class KeyCache:
    """Unwrapped keys of this process, so a batch does not unwrap a key per row.

    Entries are keyed by the wrapped text *and* the person id it must belong to,
    so a wrapped key copied to another person is still rejected. Bounded (LRU) so
    a build over millions of persons does not hold every key at once; thread-safe
    because DuckDB may call a UDF from several threads.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        self._max = max_entries
        self._data: OrderedDict[tuple[str, str], AESGCM] = OrderedDict()
        self._index: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def data_key(self, master: MasterKey, person_id: str, wrapped: str) -> AESGCM:
        slot = (wrapped, person_id)
        with self._lock:
            found = self._data.get(slot)
            if found is not None:
                self._data.move_to_end(slot)
        # A cached entry was fully checked when it was stored; only the master key
        # can have changed since (k1:<8 hex>: is 12 characters).
        if found is not None and wrapped[3:11] == master.key_id:
            return found
        store_id = wrapped_key_id(wrapped, f"data key of person {person_id!r}")
        if store_id != master.key_id:
            raise MasterKeyMismatchError(master.key_id, store_id)
        aead = AESGCM(unwrap_data_key(master, person_id, wrapped))
        with self._lock:
            self._data[slot] = aead
            while len(self._data) > self._max:
                self._data.popitem(last=False)
        return aead

    def index_key(self, master: MasterKey, wrapped: str) -> bytes:
        store_id = wrapped_key_id(wrapped, "index key")
        if store_id != master.key_id:
            raise MasterKeyMismatchError(master.key_id, store_id)
        with self._lock:
            found = self._index.get(wrapped)
        if found is not None:
            return found
        key = unwrap_index_key(master, wrapped)
        with self._lock:
            self._index[wrapped] = key
        return key

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._index.clear()
