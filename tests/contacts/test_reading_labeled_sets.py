"""The labeled replies in tests/fixtures/replies: the targets of issue 14 hold on both sets.

dev.csv is what the rules were tuned on; holdout.csv was written alongside and not tuned on.
bench/text_analysis.py prints the full figures and confusion table.
"""
import csv
from pathlib import Path

import pytest

from contacts.reading import read_with_rules

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "replies"


def rows(name):
    with open(FIXTURES / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_there_are_at_least_300_labeled_examples():
    assert len(rows("dev")) + len(rows("holdout")) >= 300


@pytest.mark.parametrize(("name", "min_accuracy"), [("dev", 0.92), ("holdout", 0.90)])
def test_accuracy_recall_and_no_false_opt_outs(name, min_accuracy):
    data = rows(name)
    readings = [(row, read_with_rules(row["text"])) for row in data]
    missed = [row["text"] for row, r in readings if row["opt_out"] == "certain" and r.opt_out != "certain"]
    false_alarms = [row["text"] for row, r in readings if row["opt_out"] != "certain" and r.opt_out == "certain"]
    correct = sum(1 for row, r in readings if r.category == row["category"])
    assert missed == []
    assert false_alarms == []
    assert correct / len(data) >= min_accuracy
