"""The CSV file itself: fingerprint, encoding, row count, and a stream of rows with their line numbers.

One binary pass (sha256, UTF-8 check, record count) before the import, then the rows are
streamed; nothing holds the whole file in memory.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 20
_DELIMITERS = (",", ";", "\t")
# Rows longer than this are broken files, not data; csv's own default (128 KiB) is kept.
FIELD_SIZE_LIMIT = 131072


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (unreadable, wrong columns); says what and where."""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    sha256: str
    size: int
    encoding: str  # "utf-8", "utf-8-sig", "cp1252" or "latin-1"
    delimiter: str
    records: int  # data rows: header and blank lines not counted


def inspect_source(path: str | Path, *, name: str = "") -> SourceInfo:
    """Hash, encoding and data-row count of the file, in one streaming pass. `name`: the file's
    name as the operator knows it, for the errors (default: the name of `path`)."""
    name = name or Path(path).name
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    size = 0
    first = b""
    records = 0
    in_quotes = False
    record_blank = True
    tail = b""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise ImportFileError(f"Cannot open {path}: {exc.strerror}") from exc
    with handle:
        while chunk := handle.read(_CHUNK):
            size += len(chunk)
            digest.update(chunk)
            if utf8_ok:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            if not first:
                first = chunk[:4096]
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            for line in lines:
                # A quote toggles "inside a quoted field" (a doubled quote toggles twice).
                if b'"' in line and line.count(b'"') % 2:
                    in_quotes = not in_quotes
                if record_blank and line.strip(b" \t\r,;"):
                    record_blank = False
                if not in_quotes:
                    records += not record_blank
                    record_blank = True
        if tail.strip(b" \t\r,;") or (in_quotes and not record_blank):
            records += 1
    if size == 0:
        raise ImportFileError(f"{name} is empty.")
    _refuse_what_is_not_csv_text(name, first)
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    if utf8_ok:
        encoding = "utf-8-sig" if first.startswith(codecs.BOM_UTF8) else "utf-8"
    else:
        encoding = "cp1252" if _decodes(path, "cp1252") else "latin-1"
    header = first.split(b"\n", 1)[0].decode(encoding, errors="replace")
    delimiter = max(_DELIMITERS, key=header.count)
    return SourceInfo(
        sha256=digest.hexdigest(), size=size, encoding=encoding, delimiter=delimiter, records=max(records - 1, 0)
    )


_SAVE_AS_CSV = "Open it in Excel and use File › Save As › “CSV UTF-8 (Comma delimited)”, then import that file."
# (file signature, what the file is)
_NOT_CSV = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zipped file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Excel workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (codecs.BOM_UTF16_LE, "UTF-16 text (Excel's “Unicode Text”)"),
    (codecs.BOM_UTF16_BE, "UTF-16 text"),
)


def _refuse_what_is_not_csv_text(name: str, first: bytes) -> None:
    """A spreadsheet, a PDF or other binary file read as CSV would be rejected row by row as
    garbage (or worse, its bytes shown as column names): say what it is and what to do instead."""
    for signature, what in _NOT_CSV:
        if first.startswith(signature):
            raise ImportFileError(f"{name} is {what}, not a CSV file. {_SAVE_AS_CSV}")
    if b"\x00" in first:
        raise ImportFileError(f"{name} is not a CSV text file (it holds binary data). {_SAVE_AS_CSV}")


def _decodes(path: str | Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
    except UnicodeDecodeError:
        return False
    return True


class CsvRows:
    """The rows of a CSV file, streamed: `header`, then (line, cells) for each non-blank row.

    `line` is the file line the row starts on (the header is line 1), so a quoted line break
    inside a cell does not shift the numbers the rejects file reports. Use as a context manager.
    """

    def __init__(self, path: str | Path, info: SourceInfo):
        csv.field_size_limit(FIELD_SIZE_LIMIT)
        self._handle = open(path, encoding=info.encoding, newline="")  # noqa: SIM115 - closed in close()
        self._reader = csv.reader(self._handle, delimiter=info.delimiter)
        try:
            header = next(self._reader, None)
            while header is not None and not any(cell.strip() for cell in header):
                header = next(self._reader, None)
        except csv.Error as exc:
            self.close()
            raise ImportFileError(f"line {self._reader.line_num}: {exc}") from exc
        if header is None:
            self.close()
            raise ImportFileError("The file has no header row.")
        self.header = [cell.strip() for cell in header]

    def __enter__(self) -> CsvRows:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._handle.close()

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        reader = self._reader
        previous_end = reader.line_num
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(f"line {previous_end + 1}: {exc}") from exc
            start, previous_end = previous_end + 1, reader.line_num
            if "".join(row).strip():  # not blank: some cell holds more than whitespace
                yield start, row


_HEADER_JUNK = re.compile(r"[^a-z0-9$%#]+")


def header_key(name: str) -> str:
    """How a column name is matched: case, spaces and punctuation ignored, `$` `%` `#` kept.

    "Est Equity $" -> "estequity$", "Owner Occ?" -> "ownerocc", "Primary Mobile Phone1" -> "primarymobilephone1".
    """
    return _HEADER_JUNK.sub("", name.lower())
