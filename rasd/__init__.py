"""rasd (رصد): Arabic news incident extraction with one transformer pass.

Heavy modules load lazily so that ``import rasd`` and ``rasd --help`` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Extractor", "LabelSchema", "Record", "Span", "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from rasd.data.records import Record, Span
    from rasd.data.schema import LabelSchema
    from rasd.inference.extractor import Extractor

_LAZY = {
    "Extractor": "rasd.inference.extractor",
    "LabelSchema": "rasd.data.schema",
    "Record": "rasd.data.records",
    "Span": "rasd.data.records",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rasd' has no attribute {name!r}")
