"""Pure CSV/XLSX generators (streamed, flat memory) and thin HTTP send wrappers."""
import csv
import io
import re
import os
import tempfile
from datetime import date, datetime
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


def xlsx_engine() -> str:
    """The configured XLSX writer: "fast" (default: openpyxl's package, rows serialised by
    PostgreSQL where an export has that path, else by xlsx_fast), "python" (always xlsx_fast)
    or "openpyxl" (every cell through openpyxl's write-only mode; the reference)."""
    from flask import current_app, has_app_context

    return current_app.config.get("EXPORT_XLSX_ENGINE", "fast") if has_app_context() \
        else "fast"


def write_xlsx(target, headers: Sequence[str], rows: Iterable[Sequence],
               sheet_title: str = "Данные", engine: str | None = None) -> None:
    """Write an XLSX workbook (streamed rows, flat memory) to a path or a binary file."""
    if (engine or xlsx_engine()) == "openpyxl":
        _write_openpyxl(target, headers, rows, sheet_title)
        return
    from helpdesk.exports.xlsx_fast import XlsxPackage

    package = XlsxPackage(headers, sheet_title)
    package.write(target, package.python_rows(rows))


def header_sheet(headers: Sequence[str], sheet_title: str):
    """openpyxl's write-only workbook with one sheet whose first row is the bold header."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    bold = Font(bold=True)
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=xlsx_cell(header))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    return workbook, sheet


def _write_openpyxl(target, headers, rows, sheet_title) -> None:
    """openpyxl's write-only mode: rows go to a temporary file, never all in memory."""
    workbook, sheet = header_sheet(headers, sheet_title)
    for row in rows:
        sheet.append([xlsx_cell(v) for v in row])
    workbook.save(target)


def generate_xlsx(headers: Sequence[str], rows: Iterable[Sequence], sheet_title: str = "Данные",
                  chunk: int = 64 * 1024, engine: str | None = None) -> Iterator[bytes]:
    """An XLSX workbook yielded in chunks; rows go through a temporary file, not memory."""
    return stream_file(lambda path: write_xlsx(path, headers, rows, sheet_title, engine), chunk)


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
