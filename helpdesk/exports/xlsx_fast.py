"""XLSX with openpyxl's package and a fast path for the sheet's rows (flat memory).

openpyxl's write-only Workbook makes the package (workbook, styles with the bold header and the
date format, content types, document properties) and the header row. Writing every data cell
through openpyxl costs ~20 µs a cell, so the rows are serialised here instead, as the same
SpreadsheetML openpyxl writes (inline strings, numbers, dates as serials with a date style),
and streamed straight into the sheet's zip member. The rows come either from Python values
(`python_rows`) or already serialised by PostgreSQL (pg_xlsx). Tests read both back with
openpyxl and compare them with openpyxl's own output and with the CSV.
"""
import io
import re
import zipfile
from datetime import date, datetime, timedelta
from typing import Iterable, Iterator, Sequence

from openpyxl.utils import get_column_letter

from helpdesk.exports.spreadsheets import DANGEROUS_PREFIXES, header_sheet

DATETIME_NUMBER_FORMAT = "yyyy-mm-dd hh:mm"  # what the CSV shows
SHEET_PART = "xl/worksheets/sheet1.xml"
FLUSH_ROWS = 1000
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0
_NEEDS_ESCAPE = re.compile(r"[&<>\r\t\n]")
_DANGER = frozenset(DANGEROUS_PREFIXES)
_EPOCH = datetime(1899, 12, 30)
_DAY = timedelta(days=1)


def escape_text(value: str) -> str:
    """XML text of a cell: control characters XML forbids dropped; CR, LF, tab as references."""
    value = _ILLEGAL.sub("", value)
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;"))


def excel_serial(value: datetime) -> float:
    """Days since Excel's 1899-12-30 epoch (naive wall time), as openpyxl writes dates after 1900-03."""
    return (value - _EPOCH) / _DAY


class XlsxPackage:
    """One sheet with a bold header row; `write` streams the data rows into it."""

    def __init__(self, headers: Sequence[str], sheet_title: str = "Данные"):
        from openpyxl.cell import WriteOnlyCell

        workbook, sheet = header_sheet(headers, _ILLEGAL.sub("", sheet_title))
        probe = WriteOnlyCell(sheet)  # registers the date style in the workbook's stylesheet
        probe.number_format = DATETIME_NUMBER_FORMAT
        self.date_style = probe.style_id
        self.columns = [get_column_letter(i) for i in range(1, len(headers) + 1)]
        buffer = io.BytesIO()
        workbook.save(buffer)
        self._parts = []
        with zipfile.ZipFile(buffer) as small:
            for info in small.infolist():
                self._parts.append((info.filename, small.read(info.filename)))
        sheet_xml = dict(self._parts)[SHEET_PART]
        self._head, _, tail = sheet_xml.partition(b"</sheetData>")
        self._tail = b"</sheetData>" + tail

    def write(self, target, row_chunks: Iterable[bytes]) -> None:
        """Write the package to a path or binary file; row_chunks are `<row>` elements from row 2."""
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for name, data in self._parts:
                if name != SHEET_PART:
                    archive.writestr(name, data)
                    continue
                with archive.open(name, "w", force_zip64=True) as sheet:
                    sheet.write(self._head)
                    for chunk in row_chunks:
                        sheet.write(chunk)
                    sheet.write(self._tail)

    def python_rows(self, rows: Iterable[Sequence], first_row: int = 2) -> Iterator[bytes]:
        """`<row>` elements of Python values, guarded as spreadsheets.xlsx_cell does, in chunks."""
        columns, date_style = self.columns, self.date_style
        buffer: list[str] = []
        for number, row in enumerate(rows, first_row):
            cells = []
            for column, value in zip(columns, row, strict=False):
                if value is None or value == "":
                    continue
                kind = value.__class__
                if kind is str:  # the rules of spreadsheets.xlsx_cell, inlined for speed
                    if _ILLEGAL.search(value):
                        value = _ILLEGAL.sub("", value)
                        if not value:
                            continue
                    if value[0] in _DANGER:
                        value = "'" + value
                    space = ' xml:space="preserve"' if value != value.strip() else ""
                    if _NEEDS_ESCAPE.search(value):
                        value = escape_text(value)
                    cells.append(f'<c r="{column}{number}" t="inlineStr"><is><t{space}>'
                                 f'{value}</t></is></c>')
                elif kind is bool:
                    cells.append(f'<c r="{column}{number}" t="inlineStr"><is><t>'
                                 f'{"да" if value else "нет"}</t></is></c>')
                elif kind is datetime or kind is date:
                    if kind is date:
                        value = datetime.combine(value, datetime.min.time())
                    serial = excel_serial(value.replace(tzinfo=None, second=0, microsecond=0))
                    cells.append(f'<c r="{column}{number}" s="{date_style}" t="n">'
                                 f'<v>{serial!r}</v></c>')
                else:  # int, float, Decimal
                    cells.append(f'<c r="{column}{number}" t="n"><v>{value}</v></c>')
            buffer.append(f'<row r="{number}">{"".join(cells)}</row>')
            if len(buffer) >= FLUSH_ROWS:
                yield "".join(buffer).encode("utf-8")
                buffer = []
        if buffer:
            yield "".join(buffer).encode("utf-8")
