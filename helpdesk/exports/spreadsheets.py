"""Pure CSV/XLSX generators (streamed, flat memory) and thin HTTP send wrappers."""
import csv
import io
import re
import os
import tempfile
from datetime import date, datetime
from itertools import chain, islice
from typing import Iterable, Iterator, Sequence

from flask import Response, stream_with_context

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_DANGER = frozenset(DANGEROUS_PREFIXES)
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
CHUNK_ROWS = 2000
CSV_MIME = "text/csv; charset=utf-8"  # a full Content-Type: pass as content_type=, not mimetype=
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: str) -> str:
    """Prefix a cell that a spreadsheet would read as a formula with an apostrophe."""
    if value and value[0] in DANGEROUS_PREFIXES:
        return "'" + value
    return value


def _csv_str(value: str) -> str:
    return "'" + value if value and value[0] in DANGEROUS_PREFIXES else value


def _csv_datetime(value: datetime) -> str:
    return str(value)[:16]  # wall time as stored in the value: "YYYY-MM-DD HH:MM"


_CSV_BY_TYPE = {
    str: _csv_str, bool: lambda v: "да" if v else "нет", datetime: _csv_datetime,
    date: date.isoformat, type(None): lambda v: "",
}


def csv_cell(value) -> str | int | float:
    """A value as written to CSV: text guarded, dates formatted, None empty."""
    convert = _CSV_BY_TYPE.get(type(value))
    return value if convert is None else convert(value)


def generate_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """UTF-8 CSV with BOM, yielded in chunks; memory does not grow with the row count."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in headers])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    pending, get, danger = 0, _CSV_BY_TYPE.get, _DANGER
    for row in rows:
        writer.writerow([(("'" + v) if v[:1] in danger else v) if v.__class__ is str
                         else (v if (c := get(v.__class__)) is None else c(v)) for v in row])
        pending += 1
        if pending >= CHUNK_ROWS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue().encode("utf-8")


def xlsx_cell(value):
    """A value as written to XLSX: text guarded and without the control characters XML forbids,
    datetimes as local wall time to the minute, bools as words."""
    if isinstance(value, str):
        value = _XML_ILLEGAL.sub("", value) if _XML_ILLEGAL.search(value) else value
        return "'" + value if value and value[0] in DANGEROUS_PREFIXES else value
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, datetime):  # to the minute, as the CSV shows it
        return value.replace(tzinfo=None, second=0, microsecond=0)
    return value


WIDTH_SAMPLE = 200  # rows looked at to size the columns (kept in memory until written)
MIN_WIDTH, MAX_WIDTH, DATETIME_WIDTH = 8, 60, 17
_SHEET_ILLEGAL = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def write_xlsx(target, headers: Sequence[str], rows: Iterable[Sequence],
               sheet_title: str = "Данные") -> int:
    """Write an XLSX workbook to a path or a binary file; returns the number of data rows.

    XlsxWriter in constant-memory mode: each row goes to a temporary file as it is written, so
    memory does not grow with the row count. The header row is bold, frozen and carries a
    filter over the whole table; the columns are as wide as the header and the first rows need.
    Text is never read as a formula, a number or a link (see xlsx_cell for the guard).
    """
    import xlsxwriter

    workbook = xlsxwriter.Workbook(os.fspath(target) if isinstance(target, os.PathLike) else target, {
        "constant_memory": True, "tmpdir": tempfile.gettempdir(), "strings_to_formulas": False,
        "strings_to_numbers": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(_SHEET_ILLEGAL.sub("", sheet_title)[:31] or "Данные")
    formats = {datetime: workbook.add_format({"num_format": "dd.mm.yyyy hh:mm"}),
               date: workbook.add_format({"num_format": "dd.mm.yyyy"})}
    iterator = iter(rows)
    sample = [[xlsx_cell(v) for v in row] for row in islice(iterator, WIDTH_SAMPLE)]
    _size_columns(sheet, headers, sample)
    sheet.write_row(0, 0, [xlsx_cell(h) for h in headers], workbook.add_format({"bold": True}))
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(chain(sample, ([xlsx_cell(v) for v in r] for r in iterator)), 1):
        _write_row(sheet, count, row, formats)
    if headers:
        sheet.autofilter(0, 0, count, len(headers) - 1)
    workbook.close()
    return count


def _write_row(sheet, index: int, values: Sequence, formats: dict) -> None:
    for column, value in enumerate(values):
        if value is None or value == "":
            continue
        kind = value.__class__
        if kind is str:
            sheet.write_string(index, column, value)
        elif kind is datetime or kind is date:
            sheet.write_datetime(index, column, value, formats[kind])
        else:
            sheet.write_number(index, column, value)


def _size_columns(sheet, headers: Sequence[str], sample: list) -> None:
    """Each column as wide as its header and the widest sampled value, within limits."""
    for column, header in enumerate(headers):
        widest = len(str(header)) + 2  # room for the filter's button
        for row in sample:
            value = row[column] if column < len(row) else None
            if isinstance(value, (datetime, date)):
                widest = max(widest, DATETIME_WIDTH)
            elif value is not None:
                widest = max(widest, max(map(len, str(value).splitlines() or [""])) + 1)
        sheet.set_column(column, column, min(MAX_WIDTH, max(MIN_WIDTH, widest)))


def generate_xlsx(headers: Sequence[str], rows: Iterable[Sequence], sheet_title: str = "Данные",
                  chunk: int = 64 * 1024) -> Iterator[bytes]:
    """An XLSX workbook yielded in chunks; rows go through a temporary file, not memory."""
    return stream_file(lambda path: write_xlsx(path, headers, rows, sheet_title), chunk)


def stream_file(write, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """Run write(path) into a temporary file when iterated, then yield the file in chunks."""
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        write(path)
        with open(path, "rb") as handle:
            while data := handle.read(chunk):
                yield data
    finally:
        os.unlink(path)


def _attachment(filename: str) -> dict:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    return {"Content-Disposition":
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"}


def send_csv(filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """A streamed CSV download (the row iterator runs inside the request context)."""
    body = stream_with_context(generate_csv(headers, rows))
    return Response(body, content_type=CSV_MIME, headers=_attachment(filename))


def send_xlsx(filename: str, headers: Sequence[str], rows: Iterable[Sequence],
              sheet_title: str = "Данные") -> Response:
    """A streamed XLSX download."""
    body = stream_with_context(generate_xlsx(headers, rows, sheet_title))
    return Response(body, content_type=XLSX_MIME, headers=_attachment(filename))


def send_chunks(filename: str, mimetype: str, chunks: Iterable[bytes]) -> Response:
    """A streamed download of already generated chunks (mimetype is the full Content-Type)."""
    return Response(stream_with_context(chunks), content_type=mimetype,
                    headers=_attachment(filename))


class CountingRows:
    """Passes rows through and leaves their number in counter['rows']."""

    def __init__(self, rows, counter: dict):
        self._rows, self._counter = rows, counter
        counter["rows"] = 0

    def __iter__(self):
        counter = self._counter
        for row in self._rows:
            counter["rows"] += 1
            yield row
