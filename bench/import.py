"""Benchmark of manage.py import_propertyradar against a plain COPY of the same file.

    .venv/bin/python bench/import.py                 # 10,000 and 100,000 rows
    .venv/bin/python bench/import.py --rows 100000 --small 0 --repeat 3

For each size, a child process creates a fresh PostgreSQL database (crm_bench_import),
migrates it, imports a generated, realistic PropertyRadar file in-process (the same service
the command calls), times a plain COPY of the same file into a text staging table, runs the
import a second time (nothing should change) and reports rows/s, the ratio to COPY and the
peak resident memory (resource.getrusage ru_maxrss of the child, which includes Django
itself: the "import" figure is the peak minus the RSS just before the import; "parse MB" is the
peak of the import's own parsing process, forked from it and sharing its pages until written),
and the CPU time the import used in Python ("py CPU": the importing process, all threads;
"parse": its parsing process) and in PostgreSQL ("pg CPU": the machine's busy CPU time during the
import minus those two, so only meaningful on a quiet machine: the import writes through a second
connection of its own), which depend less on how busy the machine is than wall time; "CPU s" is
their sum, the figure a change has to lower (the import keeps both cores busy, so its wall time
is about half of it); "load" is the 1-minute load average at the end.
Generated files go to bench/data/ (git-ignored) and are reused when present.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
DB_NAME = os.environ.get("BENCH_DB", "crm_bench_import")
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")

HEADER = [
    "Type", "Address", "City", "ZIP", "Subdivision", "Longitude", "Latitude", "APN", "Yr Built", "Purchase Date",
    "Purchase Mos Since", "Sq Ft", "Beds", "Baths", "Est Value", "Est Equity $", "Owner", "Mail Address",
    "Mail City", "Mail State", "Mail ZIP", "Owner Occ?", "Listed for Sale?", "Listing Status", "Foreclosure?",
    "Est Equity %", "High Equity?", "Primary Name", "Primary Mobile Phone1", "Primary Mobile 1 Status",
    "Primary Email1", "Primary Email 1 Status", "Primary Email1 Hash", "Secondary Name", "Secondary Mobile Phone1",
    "Secondary Mobile 1 Status", "Secondary Email1", "Secondary Email 1 Status", "Secondary Email1 Hash",
]
CITIES = [
    ("Boston", "02114", 42.36, -71.06), ("Boston", "02127", 42.33, -71.04), ("Quincy", "02169", 42.25, -71.0),
    ("Worcester", "01610", 42.26, -71.8), ("Springfield", "01104", 42.1, -72.59), ("Lowell", "01851", 42.63, -71.32),
    ("Cambridge", "02140", 42.38, -71.12), ("Brockton", "02301", 42.08, -71.02), ("Newton", "02458", 42.34, -71.2),
    ("Framingham", "01701", 42.28, -71.42), ("Pittsfield", "01201", 42.45, -73.25), ("Salem", "01970", 42.52, -70.9),
    ("Plymouth", "02360", 41.95, -70.66), ("Revere", "02151", 42.41, -71.01), ("Peabody", "01960", 42.53, -70.93),
    ("North Adams", "01247", 42.7, -73.11), ("West Springfield", "01089", 42.1, -72.64),
]
STREETS = (
    "Main Washington Elm Maple Oak Pleasant High School Church Summer Water Chestnut Highland Prospect Pine Pond "
    "Beacon Tremont Boylston Salem Canal Depot Central Lincoln Franklin Jefferson Madison Hancock Puritan Berkshire "
    "Woodland Hillside Fairmount Linden Cottage Concord Tufts Charles Birch Walnut Cedar Spruce Willow Adams Warren "
    "Granite Quarry Bartlett Winthrop Dorchester Lake Park Spring Center Mill Hill Ridge Meadow Brook Orchard River "
    "Forest Union Summit Valley Grove Bridge Cross Green Sunset Hawthorne Lafayette Revere Essex Court Liberty"
).split()
SUFFIXES = ["St", "St", "St", "Ave", "Ave", "Rd", "Rd", "Ln", "Dr", "Way", "Ct", "Pl", "Ter", "Cir", "Pkwy", "Sq"]
FIRST = ("Lisa Stephen Emma Robert Olivia Michael Priya Nora Liam Francis Jose Jessica Hui Fernanda Margaret Carmen "
         "Steven Nancy Barbara Ethan Rosa Thanh Timothy William Linh José Elizabeth Raj Maureen Renée John Paulo Zoe "
         "Matthew Kevin Brian Patricia Susan Karen Daniel Paul Mark Donna Sandra Anthony Kimberly Ashley").split()
LAST = ("Nguyen Chen Jones Kelly Rodrigues Smith Le O'Connor Miller Tran Nowak Santos Gonzalez Cohen Taylor Rivera "
        "Walsh Patel Moore Sullivan Katz Zhang Kowalski Torres Murphy Sullivan Brennan Costa Silva Pereira Lopez "
        "Johnson Brown Davis Wilson Anderson Thomas Jackson White Harris Martin Thompson Garcia Martinez Robinson "
        "Clark Lewis Lee Walker Hall Allen Young King Wright Scott Hill Adams Baker Nelson Carter Mitchell Perez").split()
AREA_CODES = ["617", "508", "781", "978", "413", "774", "857", "339", "351"]
BAD_PHONES = ["+1 (617) 55", "555-1234", "000-000-0000", "(123) 456-7890", "617-555", "n/a"]


def _phone(rnd: random.Random) -> str:
    digits = f"{rnd.choice(AREA_CODES)}{rnd.randint(2, 9)}{rnd.randint(0, 99):02d}{rnd.randint(0, 9999):04d}"
    shape = rnd.random()
    if shape < 0.35:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    if shape < 0.6:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    if shape < 0.8:
        return digits
    return "+1" + digits


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().replace("'", "").lower()


def _money(rnd: random.Random, value: int) -> str:
    return f"${value:,}" if rnd.random() < 0.3 else str(value)


def generate(path: Path, rows: int, seed: int = 20261126) -> None:
    """A PropertyRadar-shaped file: ~20% secondary owners, ~10% unusable phones, condos with units,
    landlords owning several properties, 0.5% exact duplicate rows, a few rows to reject (no
    address, bad date)."""
    import csv

    rnd = random.Random(seed)
    landlords: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    previous: list[str] | None = None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(rows):
            city, zip_code, lat, lng = rnd.choice(CITIES)
            kind = rnd.choices(["SFR", "Condo", "MFR 2-4", "MFR 5+", "Mobile Home"], [60, 22, 10, 4, 4])[0]
            street = rnd.choice(STREETS)
            shape = rnd.random()
            if shape < 0.04:
                street = f"{rnd.choice(['N', 'S', 'E', 'W', 'North', 'South'])} {street}"
            elif shape < 0.07:
                number = rnd.randint(1, 12)
                street = f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number, 'th')}"
            elif shape < 0.2:
                street = f"{street} {rnd.choice(STREETS)}"
            address = f"{rnd.randint(1, 9999)} {street} {rnd.choice(SUFFIXES)}"
            while (address, city) in seen:  # one row per house, as PropertyRadar exports are
                address = f"{rnd.randint(1, 9999)} {street} {rnd.choice(SUFFIXES)}"
            seen.add((address, city))
            if kind == "Condo":
                address += rnd.choice([f" Unit {rnd.randint(1, 40)}", f" Unit #{rnd.randint(1, 40)}{rnd.choice('ABC')}",
                                       f" Apt {rnd.randint(1, 9)}", f" #{rnd.randint(1, 30)}"])
            if rnd.random() < 0.003:
                address = ""  # rejected: the crew needs the house
            value = rnd.randint(150, 2600) * 1000
            equity = int(value * rnd.uniform(-0.1, 1.0)) // 1000 * 1000
            year, month, day = rnd.randint(1975, 2025), rnd.randint(1, 12), rnd.randint(1, 28)
            purchased = f"{month:02d}/{day:02d}/{year}" if rnd.random() < 0.8 else f"{year}-{month:02d}-{day:02d}"
            if rnd.random() < 0.001:
                purchased = "13/45/2020"  # rejected: bad date
            owners = []
            if landlords and rnd.random() < 0.04:
                owners.append(rnd.choice(landlords))  # the same person owning several houses
            else:
                first, last = rnd.choice(FIRST), rnd.choice(LAST)
                phone = "" if rnd.random() < 0.05 else (rnd.choice(BAD_PHONES) if rnd.random() < 0.1 else _phone(rnd))
                email = _ascii(f"{first}.{last}{rnd.randint(1, 999)}@example.com") if rnd.random() < 0.8 else ""
                owners.append((f"{first} {last}", phone, email))
                if rnd.random() < 0.02:
                    landlords.append(owners[0])
            if rnd.random() < 0.2:
                first = rnd.choice(FIRST)
                last = owners[0][0].split()[-1]
                phone = "" if rnd.random() < 0.3 else (rnd.choice(BAD_PHONES) if rnd.random() < 0.1 else _phone(rnd))
                owners.append((f"{first} {last}", phone, _ascii(f"{first}.{last}{i}@mail.example.com")))
            occupied = rnd.random() < 0.7
            mail = (address, city, "MA", zip_code) if occupied else (
                f"{rnd.randint(1, 999)} {rnd.choice(STREETS)} {rnd.choice(SUFFIXES)}", rnd.choice(CITIES)[0], "MA",
                rnd.choice(CITIES)[1])
            flag = (lambda b: ("Yes" if b else "No")) if rnd.random() < 0.1 else (lambda b: "1" if b else "0")
            last_name = owners[0][0].split()[-1].upper()
            row = [
                kind, address, city, zip_code, rnd.choice(["", "", "Highland Park", "Fox Run", "Oak Knoll"]),
                f"{lng + rnd.uniform(-0.05, 0.05):.6f}", f"{lat + rnd.uniform(-0.05, 0.05):.6f}",
                "" if rnd.random() < 0.01 else f"{rnd.randint(1, 30):02d}-{rnd.randint(0, 999):03d}-{i:06d}",
                str(rnd.randint(1880, 2024)), purchased, str((2026 - year) * 12), str(rnd.randint(600, 4500)),
                str(rnd.randint(1, 7)), rnd.choice(["1", "1.5", "2", "2.5", "3", "4"]), _money(rnd, value),
                _money(rnd, equity), f"{last_name}, {owners[0][0].split()[0].upper()}", *mail,
                flag(occupied), flag(rnd.random() < 0.05), rnd.choice(["", "", "", "Active", "Sold"]),
                flag(rnd.random() < 0.01), str(round(100 * equity / value)), flag(equity > value / 2),
            ]
            for name, phone, email in owners[:2]:
                row += [name, phone, rnd.choice(["Active", "Unknown", "Active - Verified"]) if phone else "",
                        email, "Valid" if email else "", "0" * 32 if email else ""]
            row += [""] * (len(HEADER) - len(row))
            if previous is not None and rnd.random() < 0.005:
                row = previous  # an exact duplicate row, as exports made of overlapping lists have
            writer.writerow(row)
            previous = row
    tmp.replace(path)


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _busy_cpu() -> float:
    """CPU seconds the whole machine has been busy (all cores, from /proc/stat; else 0)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    """CPU seconds of this process's finished children: the import's parsing process."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def child(path: Path, writer: str | None, pipelined: bool | None = None, batch_size: int | None = None) -> dict:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.dev")
    os.environ["DEBUG"] = "false"  # DEBUG keeps every query in memory
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from properties.importers import DEFAULT_BATCH_SIZE, import_file
    from properties.models import ImportKind

    call_command("migrate", verbosity=0)
    connection.close()
    connection.ensure_connection()
    rss_before = _rss_mb()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rejects = path.with_name(path.stem + ".rejects.csv")

    started, cpu, busy = time.perf_counter(), time.process_time(), _busy_cpu()
    children_cpu = _children_cpu()
    outcome = import_file(kind=ImportKind.PROPERTYRADAR, path=path, rejects_path=rejects, operator="bench",
                          pipelined=pipelined, batch_size=batch_size or DEFAULT_BATCH_SIZE)
    first_seconds = time.perf_counter() - started
    python_cpu, busy = time.process_time() - cpu, _busy_cpu() - busy
    parse_cpu = _children_cpu() - children_cpu
    pg_cpu = max(0.0, busy - python_cpu - parse_cpu)  # PostgreSQL's backends, when nothing else runs
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    parse_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    run = outcome.run

    started = time.perf_counter()
    again = import_file(kind=ImportKind.PROPERTYRADAR, path=path, rejects_path=rejects, operator="bench").run
    second_seconds = time.perf_counter() - started

    with connection.cursor() as cursor:
        # Database size after both runs, and the audit-history tables' share of it.
        cursor.execute("SELECT pg_database_size(current_database()), coalesce(sum(pg_total_relation_size(c.oid)), 0), "
                       "coalesce(sum(c.reltuples) FILTER (WHERE c.relkind = 'r'), 0) FROM pg_class c "
                       "WHERE c.relname LIKE '%%_historical%%' AND c.relkind = 'r'")
        db_bytes, history_bytes, _ = cursor.fetchone()
        cursor.execute("SELECT (SELECT count(*) FROM contacts_historicalcontact) + "
                       "(SELECT count(*) FROM contacts_historicalcontactphone) + "
                       "(SELECT count(*) FROM properties_historicalproperty) + "
                       "(SELECT count(*) FROM properties_historicalpropertycontact)")
        history_rows = cursor.fetchone()[0]
        columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
        cursor.execute(f"CREATE TABLE bench_copy_staging ({columns})")
        started = time.perf_counter()
        with cursor.cursor.copy("COPY bench_copy_staging FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            with open(path, "rb") as handle:
                handle.read(3)  # the BOM
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
        copy_seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_copy_staging")
        copied = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_copy_staging")
    return {
        "rows": run.rows_done, "seconds": first_seconds, "second_seconds": second_seconds, "copy_seconds": copy_seconds,
        "copied": copied, "peak_rss_mb": peak_after, "rss_before_mb": rss_before, "peak_before_mb": peak_before,
        "counts": {k: getattr(run, k) for k in (
            "properties_created", "properties_updated", "properties_unchanged", "contacts_created",
            "contacts_updated", "contacts_unchanged", "links_created", "rows_rejected", "phones_unusable")},
        "second_changed": again.changed_anything,
        "writer": writer or "postgresql",
        "python_cpu": python_cpu, "parse_cpu": parse_cpu, "parse_peak_mb": parse_peak, "pg_cpu": pg_cpu,
        "load": os.getloadavg()[0],
        "db_mb": db_bytes / 2**20, "history_mb": int(history_bytes) / 2**20, "history_rows": history_rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000, help="also run this size, for the memory comparison (0: skip)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--sequential", action="store_true",
                        help="store batch by batch (plan, write, commit) instead of planning the next batch meanwhile")
    parser.add_argument("--batch-size", type=int, help="rows per batch (default: the importer's)")
    parser.add_argument("--no-history", action="store_true",
                        help="without the audit-history rows (IMPORT_AUDIT_HISTORY=false), to measure their cost")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, None, pipelined=False if args.sequential else None,
                               batch_size=args.batch_size)))
        return

    sizes = [n for n in (args.small, args.rows) if n]
    for size in sizes:
        path = DATA / f"propertyradar_{size}.csv"
        if not path.exists():
            print(f"generating {path.relative_to(ROOT)} ...", flush=True)
            generate(path, size)
    print(f"{'rows':>8} {'import s':>9} {'rows/s':>8} {'COPY s':>7} {'x COPY':>7} {'2nd run s':>9} "
          f"{'peak RSS MB':>11} {'import MB':>9} {'parse MB':>8} {'py CPU s':>8} {'parse s':>7} {'pg CPU s':>8} "
          f"{'CPU s':>6} {'load':>5}")
    for size in sizes:
        for _ in range(args.repeat):
            path = DATA / f"propertyradar_{size}.csv"
            command = [sys.executable, __file__, "--child", str(path), *(["--sequential"] if args.sequential else []),
                       *(["--batch-size", str(args.batch_size)] if args.batch_size else [])]
            env = {**os.environ, "IMPORT_AUDIT_HISTORY": "false" if args.no_history else "true"}
            result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False, env=env)
            if result.returncode:
                print(result.stdout, result.stderr, file=sys.stderr)
                raise SystemExit(result.returncode)
            r = json.loads(result.stdout.strip().splitlines()[-1])
            print(f"{r['rows']:>8,} {r['seconds']:>9.2f} {r['rows'] / r['seconds']:>8,.0f} {r['copy_seconds']:>7.2f} "
                  f"{r['seconds'] / r['copy_seconds']:>7.1f} {r['second_seconds']:>9.2f} {r['peak_rss_mb']:>11.0f} "
                  f"{r['peak_rss_mb'] - r['rss_before_mb']:>9.0f} {r['parse_peak_mb']:>8.0f} {r['python_cpu']:>8.1f} "
                  f"{r['parse_cpu']:>7.1f} {r['pg_cpu']:>8.1f} {r['python_cpu'] + r['parse_cpu'] + r['pg_cpu']:>6.1f} "
                  f"{r['load']:>5.1f}"
                  + ("  (second run CHANGED data!)" if r["second_changed"] else ""), flush=True)
            print("         " + ", ".join(f"{k} {v:,}" for k, v in r["counts"].items()), flush=True)
            print(f"         database {r['db_mb']:,.0f} MB, of which audit history {r['history_mb']:,.1f} MB "
                  f"({r['history_rows']:,} history rows)", flush=True)


if __name__ == "__main__":
    main()
