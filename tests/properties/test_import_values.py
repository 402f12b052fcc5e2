"""Reading cells: money, numbers, dates, flags, ZIP codes, states, names, emails; phones at import speed;
the file itself (encoding, row count, line numbers)."""
from __future__ import annotations

import codecs
import random
from datetime import date
from decimal import Decimal

import pytest

from contacts.phone import try_normalize_phone
from properties.importers import values
from properties.importers.phones import fast_e164
from properties.importers.source import CsvRows, ImportFileError, header_key, inspect_source
from properties.importers.values import RowError


@pytest.mark.parametrize(("raw", "expected"), [
    ("$1,234", 1234), ("1234", 1234), ("-17000", -17000), ("-$17,000", -17000), ("$-17,000", -17000),
    ("($17,000)", -17000), ("1234.50", 1235), (" $ 342,000 ", 342000), ("", None), ("  ", None),
])
def test_money(raw, expected):
    assert values.money(raw, column="Est Value") == expected


@pytest.mark.parametrize("raw", ["12a4", "$", "1,2,3x", "--5", "9999999999", "²", "$1²"])
def test_bad_money_is_a_row_error_naming_the_column(raw):
    with pytest.raises(RowError, match="Est Value"):
        values.money(raw, column="Est Value")


@pytest.mark.parametrize(("raw", "expected"), [
    ("2019-03-10", date(2019, 3, 10)), ("03/10/2019", date(2019, 3, 10)), ("3/9/2019", date(2019, 3, 9)),
    ("3/9/19", date(2019, 3, 9)), ("3/9/85", date(1985, 3, 9)), ("2019-03-10 00:00:00", date(2019, 3, 10)), ("", None),
])
def test_dates(raw, expected):
    assert values.calendar_date(raw, column="Purchase Date") == expected


@pytest.mark.parametrize("raw", ["13/45/2020", "2020-02-30", "March 3rd", "2019/03/10", "0"])
def test_bad_dates(raw):
    with pytest.raises(RowError, match="Purchase Date .* is not a date"):
        values.calendar_date(raw, column="Purchase Date")


@pytest.mark.parametrize(("raw", "expected"), [
    ("1", True), ("0", False), ("Yes", True), ("no", False), ("Y", True), ("n", False), ("TRUE", True), ("", None),
])
def test_flags(raw, expected):
    assert values.flag(raw, column="Owner Occ?") is expected


def test_bad_flag():
    with pytest.raises(RowError, match="Owner Occ\\? “maybe” is not 1/0 or Yes/No"):
        values.flag("maybe", column="Owner Occ?")


@pytest.mark.parametrize("raw", ["NaN", "nan", "-NaN", "sNaN", "Infinity", "-inf"])
def test_not_a_number_is_a_row_error_not_a_crash(raw):
    with pytest.raises(RowError, match="Latitude .* is not a number"):
        values.decimal(raw, column="Latitude", places=6, max_digits=9, minimum=Decimal(-90), maximum=Decimal(90))
    with pytest.raises(RowError, match="Baths .* is not a number"):
        values.decimal(raw, column="Baths", places=1, max_digits=4, minimum=Decimal(0))


def test_superscript_digits_are_not_a_percentage():
    with pytest.raises(RowError, match="is not a percentage"):
        values.percent("²", column="Est Equity %")


def test_numbers_within_the_columns_range():
    assert values.whole_number("2,095", column="Sq Ft") == 2095
    assert values.whole_number("3.0", column="Beds") == 3
    with pytest.raises(RowError, match="not a whole number"):
        values.whole_number("2.5", column="Beds")
    with pytest.raises(RowError, match="out of range"):
        values.whole_number("-1", column="Beds")
    with pytest.raises(RowError, match="out of range"):
        values.whole_number("99999", column="Beds", maximum=values.SMALL_INT_MAX)
    assert values.decimal("42.4706981234", column="Latitude", places=6, max_digits=9) == Decimal("42.470698")
    with pytest.raises(RowError, match="out of range"):
        values.decimal("95", column="Latitude", places=6, max_digits=9, maximum=Decimal(90))
    assert values.percent("15%", column="Est Equity %") == 15


@pytest.mark.parametrize(("raw", "expected"), [
    ("02114", "02114"), ("2114", "02114"), ("02114-1234", "02114-1234"), ("021141234", "02114-1234"), ("", ""),
])
def test_zip_codes(raw, expected):
    assert values.zip_code(raw, column="ZIP") == expected


def test_foreign_mailing_zip_is_kept_and_a_bad_property_zip_is_refused():
    assert values.zip_code("K1A 0B1", column="Mail ZIP", strict=False) == "K1A 0B1"
    with pytest.raises(RowError, match="ZIP “Boston” is not a ZIP code"):
        values.zip_code("Boston", column="ZIP")


def test_states():
    assert values.state_code(" ma ", column="State") == "MA"
    assert values.state_code("Massachusetts", column="State") == "MA"
    assert values.state_code("Mass.", column="State") == "MA"
    with pytest.raises(RowError, match="not a US state"):
        values.state_code("Narnia", column="State")


@pytest.mark.parametrize(("raw", "expected"), [
    ("Lisa Nguyen", ("Lisa", "Nguyen")), ("Mary Ann Smith", ("Mary Ann", "Smith")),
    ("John Smith Jr.", ("John", "Smith Jr.")), ("NGUYEN, LISA", ("LISA", "NGUYEN")), ("Cher", ("Cher", "")),
    ("  Michael   Kelly ", ("Michael", "Kelly")), ("", ("", "")),
])
def test_person_names(raw, expected):
    assert values.person_name(raw, column="Primary Name") == expected


def test_emails():
    assert values.email(" lisa@example.net ", column="Email") == "lisa@example.net"
    with pytest.raises(RowError, match="not an email address"):
        values.email("lisa at example", column="Email")


def test_header_keys_ignore_case_spacing_and_punctuation_but_not_dollar_and_percent():
    assert header_key("Est Equity $") == "estequity$" != header_key("Est Equity %")
    assert header_key(" OWNER  OCC? ") == header_key("Owner Occ?") == "ownerocc"
    assert header_key("Yr_Built") == header_key("yr built")


# --- Phones: the fast path answers exactly as contacts.phone.try_normalize_phone -----------------
_SHAPES = ["({a}) {b}-{c}", "{a}-{b}-{c}", "{a}{b}{c}", "+1{a}{b}{c}", "+1 ({a}) {b}-{c}", "1-{a}-{b}-{c}",
           "{a}.{b}.{c}", "1{a}{b}{c}", " {a} {b} {c} ", "({a}){b}-{c}", "+1 ({a}) {b}", "{a}-{b}-{c} x12",
           "+44 20 {b}{c}", "{b}-{c}", "+1 {a} {b} {c}", "{a}-{b}", "{a}{b}{c}0", "0{a}{b}{c}", "011 44 20 {b} {c}",
           "1{b}{c}", "{a} {b} {c} ext. 9", "tel: {a}{b}{c}", "({a}) {b}-{c}{c}", "+{a}{b}{c}", "{c}"]


def test_fast_phone_path_agrees_with_phonenumbers():
    rnd = random.Random(7)
    fast = 0
    for _ in range(20000):
        area = rnd.choice(["617", "508", "781", "978", "413", "555", "123", "800", "900", "204", "416", str(rnd.randint(100, 999))])
        raw = rnd.choice(_SHAPES).format(a=area, b=f"{rnd.randint(0, 999):03d}", c=f"{rnd.randint(0, 9999):04d}")
        expected = try_normalize_phone(raw)
        assert fast_e164(raw) == expected, raw
        fast += expected is not None
    assert fast > 5000  # plenty of valid numbers were compared, not only refusals


@pytest.mark.parametrize("raw", ["", "  ", "n/a", "+1 (617) 55", "555-1234", "000-000-0000"])
def test_unusable_phones(raw):
    assert fast_e164(raw) is None


# --- The file -------------------------------------------------------------------------------------
def test_utf8_with_bom_cp1252_and_plain_utf8_are_told_apart(tmp_path):
    text = "Address,Owner\n12 Main St,José\n"
    (tmp_path / "bom.csv").write_bytes(codecs.BOM_UTF8 + text.encode())
    (tmp_path / "cp.csv").write_bytes(text.encode("cp1252"))
    (tmp_path / "plain.csv").write_bytes(text.encode())
    for name, encoding in [("bom.csv", "utf-8-sig"), ("cp.csv", "cp1252"), ("plain.csv", "utf-8")]:
        info = inspect_source(tmp_path / name)
        assert info.encoding == encoding
        with CsvRows(tmp_path / name, info) as rows:
            assert rows.header == ["Address", "Owner"]
            assert list(rows) == [(2, ["12 Main St", "José"])]


def test_row_count_and_line_numbers_survive_quoted_line_breaks_and_blank_lines(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(b'Address,Notes\r\n\r\n1 Elm St,"two\r\nlines"\r\n,,\r\n2 Elm St,"say ""hi"""\r\n\r\n')
    info = inspect_source(path)
    assert info.records == 2
    with CsvRows(path, info) as rows:
        assert list(rows) == [(3, ["1 Elm St", "two\r\nlines"]), (6, ["2 Elm St", 'say "hi"'])]


@pytest.mark.parametrize(("start", "what"), [
    (b"PK\x03\x04\x14\x00\x06\x00", "is an Excel workbook (.xlsx) or another zipped file, not a CSV file."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "is an old-style Excel workbook (.xls), not a CSV file."),
    (b"%PDF-1.7\n", "is a PDF document, not a CSV file."),
    ("Address,City\n".encode("utf-16"), "is UTF-16 text (Excel's “Unicode Text”), not a CSV file."),
    (b"Address,City\n12 Main St\x00\x00\x01,Worcester\n", "is not a CSV text file (it holds binary data)."),
])
def test_a_spreadsheet_or_binary_file_is_refused_saying_what_it_is(tmp_path, start, what):
    path = tmp_path / "List 2026.xlsx"
    path.write_bytes(start + b"\x00\x7f" * 200)
    with pytest.raises(ImportFileError) as refused:
        inspect_source(path)
    assert str(refused.value) == (f"List 2026.xlsx {what} Open it in Excel and use File › Save As › "
                                  "“CSV UTF-8 (Comma delimited)”, then import that file.")


def test_empty_file_is_refused(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ImportFileError, match="empty"):
        inspect_source(tmp_path / "empty.csv")
