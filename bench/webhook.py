#!/usr/bin/env python
"""Benchmark the OpenPhone webhook receiver against a bare Django view, served the way production is.

Creates a fresh PostgreSQL database (crm_webhook_bench by default) and migrates it, serves the app
with gunicorn (2 sync workers) on loopback under production settings (bench.settings adds only a bare
view), then drives both endpoints at 32 concurrent connections with DISTINCT signed events, so every
webhook request is a real insert with the real dispatch flag in the same statement (the delivery that
raises the flag also queues the dispatcher task to Redis; no worker consumes the bench's queue). Prints
requests/second, p50 and p99
latency for each, and the ratio.

    .venv/bin/python bench/webhook.py [--duration 10] [--rounds 2] [--connections 32]

Load comes from wrk (Debian package `wrk`) with a Lua script feeding pre-signed requests; without
wrk a Python asyncio client is used instead (it needs more CPU, so figures come out lower).
Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/crm_webhook_bench),
REDIS_URL (default redis://127.0.0.1:6379/3), BENCH_WRK_THREADS (default 2).
Besides the rates it prints the server-side CPU per request (gunicorn workers + their PostgreSQL
backends, from /proc), which tells how much of a low rate is the machine being shared.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
WEBHOOK_PATH = "/webhooks/openphone/"
BARE_PATH = "/bench/bare/"
# Requests signed per webhook round: more than the receiver can take in a round, so none repeats.
MAX_EXPECTED_RATE = 5000

WRK_SCRIPT = r"""
-- Feeds pre-signed requests, each thread its own slice, so no event is sent twice.
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  local path, file, nthreads = args[1], args[2], tonumber(args[3])
  reqs, n, i = {}, 0, 0
  local line_no = 0
  for line in io.lines(file) do
    if line_no % nthreads == tid then
      local tab = line:find("\t", 1, true)
      local headers = {["Content-Type"] = "application/json", ["openphone-signature"] = line:sub(1, tab - 1)}
      n = n + 1
      reqs[n] = wrk.format("POST", path, headers, line:sub(tab + 1))
    end
    line_no = line_no + 1
  end
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

function done(summary, latency, requests)
  io.write(string.format(
    "BENCH_JSON {\"requests\": %d, \"duration_us\": %d, \"p50_us\": %d, \"p99_us\": %d, \"errors\": %d, \"non2xx\": %d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def _event(n: int, run: str) -> bytes:
    """A distinct message.received event, compact as OpenPhone sends it."""
    payload = {
        "id": f"EVbench{run}{n:07d}", "object": "event", "apiVersion": "v4",
        "createdAt": "2026-01-01T00:00:00.000Z", "type": "message.received",
        "data": {"object": {
            "id": f"ACbench{run}{n:07d}", "object": "message", "from": f"+1617555{n % 10000:04d}",
            "to": ["+16175550100"], "direction": "incoming", "text": "Yes, please call me about the estimate",
            "status": "received", "createdAt": "2025-12-31T23:59:59.500Z", "userId": "USu5AsEHuQ",
            "phoneNumberId": "PNtoDbDhuz", "conversationId": "CN78ba0373683c48fd8fd96bc836c51f79", "media": [],
        }},
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def _signed_requests(count: int, key_b64: str, run: str) -> list[tuple[str, bytes]]:
    key = base64.b64decode(key_b64)
    timestamp = str(int(time.time() * 1000))
    out = []
    for n in range(count):
        body = _event(n, run)
        digest = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).digest()
        out.append((f"hmac;1;{timestamp};{base64.b64encode(digest).decode()}", body))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fresh_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _count_events(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM openphone_webhookevent").fetchone()[0]


def _server_pids(server: subprocess.Popen, database_url: str) -> tuple[list[int], list[int]]:
    """gunicorn's workers and the PostgreSQL backends they hold open on the bench database."""
    import psycopg

    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    name = urllib.parse.urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(database_url) as conn:
        backends = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
        ).fetchall()
    return [int(pid) for pid in children], [row[0] for row in backends]


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def _measure(run_load, port, path, requests, server, database_url, **load) -> dict:
    """One measurement, with the CPU the server side (gunicorn workers + their PostgreSQL backends) spent per request."""
    workers, backends = _server_pids(server, database_url)
    before_workers, before_backends = _cpu_seconds(workers), _cpu_seconds(backends)
    result = run_load(port, path, requests, **load)
    per_request = 1000 / max(result["requests"], 1)
    result["cpu_python_ms"] = (_cpu_seconds(workers) - before_workers) * per_request
    result["cpu_postgres_ms"] = (_cpu_seconds(backends) - before_backends) * per_request
    result["cpu_ms"] = result["cpu_python_ms"] + result["cpu_postgres_ms"]
    return result


def _wait_until_serving(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


# --- Load generators ----------------------------------------------------------------------------

def _run_wrk(port: int, path: str, requests: list[tuple[str, bytes]], *, connections: int, duration: int) -> dict:
    threads = min(int(os.environ.get("BENCH_WRK_THREADS", "2")), connections)
    with tempfile.TemporaryDirectory() as tmp:
        script, data = Path(tmp) / "feed.lua", Path(tmp) / "requests.tsv"
        script.write_text(WRK_SCRIPT)
        with data.open("wb") as f:
            for header, body in requests:
                f.write(header.encode() + b"\t" + body + b"\n")
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(script),
             f"http://127.0.0.1:{port}{path}", "--", path, str(data), str(threads)],
            capture_output=True, text=True, check=True,
        ).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH_JSON "))
    result = json.loads(line.removeprefix("BENCH_JSON "))
    return {
        "requests": result["requests"],
        "rps": result["requests"] / (result["duration_us"] / 1e6),
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "errors": result["errors"] + result["non2xx"],
    }


async def _python_load(port, path, requests, connections, duration):
    latencies, errors, index = [], 0, 0
    stop_at = time.monotonic() + duration

    async def client():
        nonlocal errors, index
        while time.monotonic() < stop_at:
            header, body = requests[index % len(requests)]
            index += 1
            raw = (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"openphone-signature: {header}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            ).encode() + body
            started = time.perf_counter()
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(raw)
                response = await reader.read()
                writer.close()
            except OSError:
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)
            if not response.startswith((b"HTTP/1.1 2", b"HTTP/1.0 2")):
                errors += 1

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(connections)))
    return latencies, errors, time.monotonic() - started


def _run_python(port, path, requests, *, connections, duration) -> dict:
    latencies, errors, elapsed = asyncio.run(_python_load(port, path, requests, connections, duration))
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": errors,
    }


# --- Main ------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement (default 10)")
    parser.add_argument("--rounds", type=int, default=2, help="measurements of each endpoint (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument(
        "--threads", type=int, default=1,
        help="threads per gunicorn worker (default 1 = sync workers; more = gthread workers, whose"
        " requests wait for their commits together)",
    )
    args = parser.parse_args()

    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crm_webhook_bench")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3")
    signing_key = base64.b64encode(secrets.token_bytes(32)).decode()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "OPENPHONE_WEBHOOK_SIGNING_KEY": signing_key,
        "SECURE_SSL_REDIRECT": "False",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONWARNINGS": "ignore",
        # Connections are kept open as in production; only longer than the default minute, so the
        # PostgreSQL backends whose CPU is counted stay the same for the whole run.
        "CONN_MAX_AGE": "3600",
    }
    use_wrk = shutil.which("wrk") is not None
    run_load = _run_wrk if use_wrk else _run_python

    print(f"fresh database {urllib.parse.urlsplit(database_url).path.lstrip('/')}, migrating ...", flush=True)
    _fresh_database(database_url)
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)

    port = _free_port()
    server = subprocess.Popen(
        [GUNICORN, "crm.wsgi:application", "--workers", str(args.workers),
         "--worker-class", "sync" if args.threads == 1 else "gthread", "--threads", str(args.threads),
         "--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    results: dict[str, list[dict]] = {"bare": [], "webhook": []}
    try:
        _wait_until_serving(port, server)
        load = {"connections": args.connections, "duration": 2}
        warm = _signed_requests(4000, signing_key, "warm")
        run_load(port, BARE_PATH, warm, **load)
        run_load(port, WEBHOOK_PATH, warm, **load)

        for round_no in range(1, args.rounds + 1):
            batch = _signed_requests(MAX_EXPECTED_RATE * args.duration, signing_key, f"r{round_no}")
            load = {"connections": args.connections, "duration": args.duration}
            bare = _measure(run_load, port, BARE_PATH, batch, server, database_url, **load)
            before = _count_events(database_url)
            webhook = _measure(run_load, port, WEBHOOK_PATH, batch, server, database_url, **load)
            webhook["stored"] = _count_events(database_url) - before
            results["bare"].append(bare)
            results["webhook"].append(webhook)
            print(
                f"round {round_no}: bare {bare['rps']:6.0f} req/s p50 {bare['p50_ms']:5.1f} ms p99 {bare['p99_ms']:5.1f} ms"
                f" cpu {bare['cpu_ms']:.2f} ms/req | webhook {webhook['rps']:6.0f} req/s p50 {webhook['p50_ms']:5.1f} ms"
                f" p99 {webhook['p99_ms']:5.1f} ms cpu {webhook['cpu_ms']:.2f} ms/req"
                f" (gunicorn {webhook['cpu_python_ms']:.2f} + postgres {webhook['cpu_postgres_ms']:.2f});"
                f" {webhook['stored']} stored for {webhook['requests']} answered, errors {webhook['errors']}",
                flush=True,
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        import redis

        redis.Redis.from_url(redis_url).delete("bench-webhook")

    best_bare = max(results["bare"], key=lambda r: r["rps"])
    best_hook = max(results["webhook"], key=lambda r: r["rps"])
    print()
    print(f"load generator: {'wrk' if use_wrk else 'python asyncio (wrk not installed)'}, "
          f"{args.connections} connections, {args.duration} s per measurement, gunicorn {args.workers} "
          + ("sync workers" if args.threads == 1 else f"gthread workers x {args.threads} threads"))
    print(f"bare Django view : {best_bare['rps']:7.0f} req/s  p50 {best_bare['p50_ms']:5.1f} ms  p99 {best_bare['p99_ms']:5.1f} ms")
    print(f"webhook receiver : {best_hook['rps']:7.0f} req/s  p50 {best_hook['p50_ms']:5.1f} ms  p99 {best_hook['p99_ms']:5.1f} ms"
          f"  (verify + insert + dispatch flag, one statement; {best_hook['stored']} stored of {best_hook['requests']})")
    print(f"ratio webhook/bare: {best_hook['rps'] / best_bare['rps']:.2f}  (best of {args.rounds} rounds each)")
    cpu_bare = statistics.median(r["cpu_ms"] for r in results["bare"])
    cpu_hook = statistics.median(r["cpu_ms"] for r in results["webhook"])
    cpu_hook_python = statistics.median(r["cpu_python_ms"] for r in results["webhook"])
    cpu_hook_postgres = statistics.median(r["cpu_postgres_ms"] for r in results["webhook"])
    print(f"server CPU per request (gunicorn workers + their PostgreSQL backends, median): bare {cpu_bare:.2f} ms,"
          f" webhook {cpu_hook:.2f} ms (gunicorn {cpu_hook_python:.2f} + postgres {cpu_hook_postgres:.2f});"
          f" load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
          " (other work on the machine lowers the rates and raises the CPU per request)")
    if any(r["stored"] < r["requests"] or r["errors"] for r in results["webhook"]):
        print("WARNING: some webhook requests failed or were not stored as new events", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
