#!/usr/bin/env python
"""Benchmark: how well and how fast the rule reader reads homeowners' replies.

    .venv/bin/python bench/text_analysis.py              # both labeled sets, figures and speed
    .venv/bin/python bench/text_analysis.py --set dev    # one set, with every disagreement listed

Reads tests/fixtures/replies/{dev,holdout}.csv (text, category, opt_out). The rules were tuned on
dev only; holdout was written at the same time and not looked at while tuning, so its figures say
how the rules do on replies they were not fitted to. Prints accuracy, macro-F1, the confusion table,
opt-out recall (a labeled certain opt-out read as certain; and read as certain or held) and false
opt-outs (a message not labeled certain read as certain), then messages/second on one core over all
messages of both sets, address search included (no caching: each text is read afresh).
Targets: recall 100 %, zero false opt-outs, accuracy >= 92 % (dev), >= 90 % (unseen), >= 20,000 msg/s.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.test")
FIXTURES = ROOT / "tests" / "fixtures" / "replies"
CATEGORIES = ["interested", "not_interested", "opt_out", "wrong_number", "question", "other"]


def load(name: str) -> list[dict]:
    with open(FIXTURES / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def evaluate(rows: list[dict], read) -> dict:
    confusion: Counter = Counter()
    wrong = []
    certain_total = certain_caught = certain_held_or_caught = false_opt_outs = 0
    possible_total = possible_held = 0
    for row in rows:
        reading = read(row["text"])
        confusion[(row["category"], str(reading.category))] += 1
        if str(reading.category) != row["category"] or str(reading.opt_out) != row["opt_out"]:
            wrong.append((row, reading))
        if row["opt_out"] == "certain":
            certain_total += 1
            certain_caught += reading.opt_out == "certain"
            certain_held_or_caught += reading.opt_out in ("certain", "possible")
        else:
            false_opt_outs += reading.opt_out == "certain"
        if row["opt_out"] == "possible":
            possible_total += 1
            possible_held += reading.opt_out == "possible"
    correct = sum(n for (truth, got), n in confusion.items() if truth == got)
    f1s = []
    for category in CATEGORIES:
        tp = confusion[(category, category)]
        fp = sum(n for (truth, got), n in confusion.items() if got == category and truth != category)
        fn = sum(n for (truth, got), n in confusion.items() if truth == category and got != category)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return {
        "n": len(rows), "accuracy": correct / len(rows), "macro_f1": sum(f1s) / len(f1s), "confusion": confusion,
        "certain_total": certain_total, "certain_caught": certain_caught, "held_or_caught": certain_held_or_caught,
        "false_opt_outs": false_opt_outs, "possible_total": possible_total, "possible_held": possible_held,
        "wrong": wrong,
    }


def print_report(name: str, result: dict, show_wrong: bool) -> None:
    print(f"\n== {name}: {result['n']} messages")
    print(f"accuracy {result['accuracy']:.1%}   macro-F1 {result['macro_f1']:.3f}")
    print(
        f"opt-out recall {result['certain_caught']}/{result['certain_total']} certain"
        f" ({result['held_or_caught']}/{result['certain_total']} opted out or held);"
        f" false opt-outs {result['false_opt_outs']};"
        f" unclear ones held {result['possible_held']}/{result['possible_total']}"
    )
    short = {"interested": "int", "not_interested": "not", "opt_out": "opt", "wrong_number": "wrong",
             "question": "q", "other": "other"}
    print("label \\ read  " + " ".join(f"{short[c]:>6}" for c in CATEGORIES))
    for truth in CATEGORIES:
        print(f"{short[truth]:>12}  " + " ".join(f"{result['confusion'][(truth, got)]:>6}" for got in CATEGORIES))
    if show_wrong:
        for row, reading in result["wrong"]:
            print(f"  {row['category']}/{row['opt_out']} -> {reading.category}/{reading.opt_out} [{reading.rule}] {row['text']}")


def speed(texts: list[str], read, seconds: float = 3.0) -> float:
    """Messages per second of this process's CPU time (a busy, shared machine does not inflate it)."""
    done, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        for text in texts:
            read(text)
        done += len(texts)
    return done / (time.process_time() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=["dev", "holdout", "fresh"], help="only this set, listing every disagreement")
    parser.add_argument("--show-wrong", action="store_true", help="list the disagreements")
    args = parser.parse_args()
    import django

    django.setup()
    from contacts.reading import read_with_rules

    names = [args.set] if args.set else ["dev", "holdout", "fresh"]
    all_rows = []
    for name in names:
        rows = load(name)
        all_rows += rows
        print_report(name, evaluate(rows, read_with_rules), show_wrong=bool(args.set) or args.show_wrong)
    texts = [row["text"] for row in all_rows]
    with_address = sum(1 for t in texts if __import__("contacts.reading", fromlist=["x"]).find_addresses(t))
    rate = speed(texts, read_with_rules)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"\nspeed: {rate:,.0f} messages/s of CPU time on one core ({len(texts)} messages, {with_address} with an address)")


if __name__ == "__main__":
    main()
