"""idstitch Python helpers: synthetic data, loading, encryption and reports.

The identity stitching itself is SQL in the dbt package; this package only
feeds it data and protects or presents what it produces.
"""

__version__ = "0.1.0"
