"""Shared fixtures for the data tests: the importer fixtures and the real data beside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from rasd.data.formats import read_jsonl
from rasd.data.records import Record

FIXTURES = Path(__file__).parents[1] / "fixtures" / "formats"
SHARED_DATA = Path(__file__).parents[2] / ".." / "shared" / "data"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def expected() -> list[Record]:
    """The three annotated sentences every tool fixture holds."""
    return list(read_jsonl(FIXTURES / "incidents.jsonl"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA.resolve()} (a sibling shared/data of the checkout)")
    return SHARED_DATA
