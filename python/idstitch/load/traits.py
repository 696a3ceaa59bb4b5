"""Traits as columns: nested objects flattened with ``_``, names snake_cased, and every
field that is not loaded counted by kind."""

from __future__ import annotations

from collections import Counter
from typing import Any

from idstitch.load.names import snake_case
from idstitch.load.records import Reject
from idstitch.load.shapes import (
    IDENTIFYING_TRAITS,
    MAX_COLUMN_NAME,
    MAX_FIELDS,
    MAX_IGNORED_KINDS,
    RESERVED_TRAITS,
)
from idstitch.load.values import kind_of, scalar_text


def is_identifier_name(name: str) -> bool:
    """Whether a trait column carries identifiers: external_id, email, phone, *_id."""
    return name in IDENTIFYING_TRAITS or name.endswith("_id")


def _check_identifier(name: str, value: dict[str, Any] | list[Any], label: str) -> None:
    """An identifier trait given as an object or an array is rejected: flattened, it
    would silently stop being the identifier (``email.address`` -> ``email_address``)."""
    if is_identifier_name(name) and name not in RESERVED_TRAITS:
        raise Reject(
            "identifier_not_scalar",
            f"{label}: {name} is {kind_of(value)}; an identifier trait "
            "(external_id, email, phone, *_id) must be a string or a number",
        )


class Traits:
    """Flattens trait objects; ``ignored`` counts the fields left out, by kind."""

    def __init__(self) -> None:
        self.ignored: Counter[str] = Counter()

    def ignore(self, label: str) -> None:
        if label in self.ignored or len(self.ignored) < MAX_IGNORED_KINDS:
            self.ignored[label] += 1
        else:
            self.ignored["(other fields)"] += 1

    def flatten(self, obj: dict[str, Any], label: str) -> dict[str, str | None]:
        """Traits as columns: nested objects joined with ``_``, names snake_cased."""
        out: dict[str, str | None] = {}
        exact: set[str] = set()
        self._flatten_into(obj, "", True, label, out, exact)
        if len(out) > MAX_FIELDS:
            raise Reject("too_many_fields", f"{label} has {len(out)} fields (limit {MAX_FIELDS})")
        return out

    def _flatten_into(
        self,
        obj: dict[str, Any],
        prefix: str,
        exact_path: bool,
        label: str,
        out: dict[str, str | None],
        exact: set[str],
    ) -> None:
        """When two spellings meet (``firstName``, ``first_name``) the exact snake_case
        key wins, otherwise the first one with a value."""
        for key, value in obj.items():
            segment = snake_case(key)
            if not segment:
                self.ignore(f"{label}: name with no letters or digits")
                continue
            name = prefix + segment
            is_exact = exact_path and key == segment
            if isinstance(value, dict | list):
                _check_identifier(name, value, label)
            if isinstance(value, dict):
                self._flatten_into(value, name + "_", is_exact, label, out, exact)
                continue
            if len(name) > MAX_COLUMN_NAME:
                self.ignore(f"{label}: name longer than {MAX_COLUMN_NAME} characters")
                continue
            text = scalar_text(value, name)
            if (
                name not in out
                or out[name] is None
                or (is_exact and name not in exact and text is not None)
            ):
                out[name] = text
            if is_exact and text is not None:
                exact.add(name)

    def traits(self, obj: dict[str, Any], label: str) -> dict[str, str]:
        """Trait columns with a value (a null creates no column, as in Segment)."""
        out: dict[str, str] = {}
        for name, value in self.flatten(obj, label).items():
            if value is None:
                continue
            if name in RESERVED_TRAITS:
                self.ignore(f"{label}.{name} (reserved column)")
            else:
                out[name] = value
        return out
