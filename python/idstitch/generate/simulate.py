"""The simulation of one chunk of persons: persons, their devices, their calls, then the
raw (pre-SQL) Arrow tables."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from idstitch.generate import calls
from idstitch.generate.devices import draw_devices
from idstitch.generate.identify import identify_table
from idstitch.generate.person_strings import PERSON_STRINGS_SQL, PERSONS_VIEW, person_numbers
from idstitch.generate.population import draw_persons
from idstitch.generate.rows import event_table
from idstitch.generate.spec import Spec


def simulate(spec: Spec, lo: int, hi: int, con: duckdb.DuckDBPyConnection) -> dict[str, pa.Table]:
    """Raw (pre-SQL) Arrow tables for persons lo..hi-1."""
    persons = draw_persons(spec, lo, hi)
    devices = draw_devices(spec, persons)
    tracks, pages = calls.tracks_and_pages(devices)
    identifies = calls.identifies(persons, devices)

    # person strings: DuckDB renders them once per person
    con.register(PERSONS_VIEW, person_numbers(spec, persons.number, persons.hash, persons.full))
    try:
        person_strings = con.execute(PERSON_STRINGS_SQL).to_arrow_table()
    finally:
        con.unregister(PERSONS_VIEW)
    user_ids = person_strings.column("uid").combine_chunks()

    return {
        "tracks": event_table(spec, "tracks", tracks, persons, devices, user_ids),
        "pages": event_table(spec, "pages", pages, persons, devices, user_ids),
        "identifies": identify_table(spec, identifies, persons, devices, user_ids, person_strings),
    }
