"""OpenPhone tests use `fake_openphone` (tests/openphone/fake_openphone.py), registered suite-wide in tests/conftest.py."""
