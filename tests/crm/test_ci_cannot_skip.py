"""With CI set (.ci/run exports CI=1), a test that skips fails, and so does the run; without it
(`make test` on SQLite) skips are allowed. Runs pytest on a probe file in a subprocess."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = "tests/crm/ci_probe/probe_skips.py"


def run_probe(ci: str | None) -> subprocess.CompletedProcess:
    # The probe touches no database: leave the run's own PostgreSQL test database alone.
    dropped = ("CI", "PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS", "DATABASE_URL", "REDIS_URL")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-q", "-o", "python_files=probe_*.py",
         "--no-migrations", PROBE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


def test_on_ci_a_skip_fails_the_test_and_the_run():
    result = run_probe("1")
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout[-2000:]
    assert "1 failed, 1 passed" in result.stdout
    assert "CI=1: this test skipped (needs Redis: set REDIS_URL (CI does))" in result.stdout


def test_without_ci_skips_are_allowed():
    result = run_probe(None)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "1 passed, 1 skipped" in result.stdout
