"""Fixtures for OpenPhone tests: `fake_openphone`, a real HTTP server speaking the contract."""
from tests.openphone.fake_openphone import fake_openphone, fake_openphone_server  # noqa: F401
