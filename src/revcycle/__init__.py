"""revcycle: one pact, one system of record for marketing, SDR and sales."""

from revcycle.errors import (
    Conflict,
    ImportFileError,
    InvalidTransition,
    NotFound,
    PactError,
    RevcycleError,
    StoreError,
)

__all__ = [
    "Conflict",
    "ImportFileError",
    "InvalidTransition",
    "NotFound",
    "PactError",
    "RevcycleError",
    "StoreError",
]
__version__ = "0.1.0"
