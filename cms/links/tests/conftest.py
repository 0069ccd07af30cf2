"""Fixtures of the links tests."""

from .servers import app_server  # noqa: F401 - a fixture
