"""A minimal streaming XLSX writer (inline strings, one sheet): an alternative to openpyxl.

openpyxl's write-only mode spends ~20 µs per cell; this writes the same SpreadsheetML text
directly into the zip member, about 20 times faster, with the same flat memory. Selected by
EXPORT_XLSX_ENGINE = "stream" (default "openpyxl"); tests read both back with openpyxl.
"""
import re
import zipfile
from datetime import date, datetime
from typing import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_EPOCH = datetime(1899, 12, 30)
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
STATIC_PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="{_PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>'),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_NS}"><numFmts count="1"><numFmt numFmtId="164" '
        'formatCode="yyyy-mm-dd hh:mm"/></numFmts><fonts count="2"><font><sz val="11"/>'
        '<name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font>'
        '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
        '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border/>'
        '</borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="3"><xf/>'
        '<xf numFmtId="164" applyNumberFormat="1"/><xf fontId="1" applyFont="1"/></cellXfs>'
        '</styleSheet>'),
}
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
DATE_STYLE, BOLD_STYLE = 1, 2


def _text(value: str, ref: str, style: str = "") -> str:
    value = escape(_ILLEGAL.sub("", value))
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'


def _cell(value, ref: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _text(value, ref)
    if isinstance(value, datetime):
        serial = (value - _EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="{DATE_STYLE}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return _cell(datetime.combine(value, datetime.min.time()), ref)
    return f'<c r="{ref}"><v>{value!r}</v></c>'


def write_xlsx_stream(target, headers: Sequence[str], rows: Iterable[Sequence],
                      sheet_title: str = "Данные", flush_rows: int = 2000) -> None:
    """Write cells (already guarded and tz-naive, see spreadsheets.xlsx_cell) as one sheet."""
    from helpdesk.exports.spreadsheets import xlsx_cell

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, body in STATIC_PARTS.items():
            archive.writestr(name, _XML + body)
        title = quoteattr(_ILLEGAL.sub("", sheet_title)[:31])
        archive.writestr("xl/workbook.xml", _XML + (
            f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets><sheet name={title} '
            'sheetId="1" r:id="rId1"/></sheets></workbook>'))
        columns = [get_column_letter(i) for i in range(1, len(headers) + 1)]
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            head = "".join(_text(str(h), f"{c}1", f' s="{BOLD_STYLE}"')
                           for c, h in zip(columns, headers, strict=False))
            sheet.write((_XML + f'<worksheet xmlns="{_NS}"><sheetData><row r="1">{head}</row>')
                        .encode("utf-8"))
            buffer, number = [], 1
            for row in rows:
                number += 1
                cells = "".join(_cell(xlsx_cell(v), f"{c}{number}") for c, v in zip(columns, row, strict=False))
                buffer.append(f'<row r="{number}">{cells}</row>')
                if len(buffer) >= flush_rows:
                    sheet.write("".join(buffer).encode("utf-8"))
                    buffer = []
            sheet.write(("".join(buffer) + "</sheetData></worksheet>").encode("utf-8"))
