"""The column types of the frames :func:`idstitch.read_table` returns, the same on every engine.

Every engine's reader hands over an Arrow table; :func:`to_frame` turns it into a pandas
DataFrame with pandas' nullable dtypes, so a missing value is ``pd.NA`` (``NaT`` for
timestamps) whatever the column's type:

=============================================  ==========================
warehouse type                                 pandas dtype
=============================================  ==========================
text (VARCHAR, text, string)                   ``string`` (pyarrow storage)
any integer; a decimal with scale 0            ``Int64``
floating point; a decimal with a scale         ``Float64``
boolean                                        ``boolean``
timestamp, with or without a time zone         ``datetime64[us, UTC]``
anything else                                  what pyarrow gives
=============================================  ==========================

Timestamps without a time zone are UTC wall-clock time (docs/contract.md), so they are
marked UTC, not shifted; microseconds are the precision every engine stores.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

TIMESTAMP_DTYPE = "datetime64[us, UTC]"
_TIMESTAMP = pa.timestamp("us", tz="UTC")


def _arrow_type(data_type: pa.DataType) -> pa.DataType:
    """The Arrow type a column of ``data_type`` is cast to before it becomes pandas."""
    if pa.types.is_timestamp(data_type):
        return _TIMESTAMP
    if pa.types.is_integer(data_type):
        return pa.int64()
    if pa.types.is_decimal(data_type):
        return pa.int64() if data_type.scale == 0 else pa.float64()
    if pa.types.is_floating(data_type):
        return pa.float64()
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
        return pa.string()
    if pa.types.is_string_view(data_type):
        return pa.string()
    return data_type


_PANDAS_TYPES: dict[pa.DataType, Any] = {
    pa.int64(): pd.Int64Dtype(),
    pa.float64(): pd.Float64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
    pa.string(): pd.StringDtype("pyarrow"),
}


def to_frame(table: pa.Table) -> pd.DataFrame:
    """``table`` as a DataFrame with the dtypes of this module's table."""
    schema = pa.schema([pa.field(f.name, _arrow_type(f.type)) for f in table.schema])
    frame = table.cast(schema).to_pandas(types_mapper=_PANDAS_TYPES.get)
    for field in schema:
        if field.type == _TIMESTAMP:
            frame[field.name] = frame[field.name].astype(TIMESTAMP_DTYPE)
    return frame
