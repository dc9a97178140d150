"""Shared helpers for the score tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from spinemet.errors import InvalidInputError


def raises_invalid(fn: Callable[..., Any], *args: Any, field: str, value: Any, allowed: str, **kwargs: Any):
    """Call ``fn``; check the InvalidInputError names the field, the value received and the allowed values."""
    with pytest.raises(InvalidInputError) as info:
        fn(*args, **kwargs)
    err = info.value
    message = str(err)
    assert err.field == field
    assert message.startswith(f"{field}: ")
    assert repr(value) in message
    assert allowed in message
    return err
