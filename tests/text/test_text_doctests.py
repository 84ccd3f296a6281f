"""The ``>>>`` examples in rasd.text docstrings stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["rasd.text.sentences", "rasd.text.normalize", "rasd.text.arabert"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
