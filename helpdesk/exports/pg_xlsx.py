"""The response-time sheet's rows serialised by PostgreSQL (COPY ... TO STDOUT), for large XLSX.

The same column expressions as the CSV COPY (pg_copy.log_columns), each rendered as the
SpreadsheetML cell xlsx_fast writes for the Python value: text stripped of the control
characters XML forbids, guarded, escaped, as an inline string; times as Excel serials of the
local wall time to the minute (what the CSV shows) with the package's date style; minutes as
numbers. Line breaks, tabs and backslashes become character references, so COPY's text format
escapes nothing and each output line is exactly one `<row>`.
"""
from datetime import datetime
from typing import Iterator

from sqlalchemy import Text, cast, func, literal, select
from sqlalchemy.sql import ColumnElement

from helpdesk.exports.filters import ExportFilter
from helpdesk.exports.pg_copy import (NUMBER, TEXT, TIME, WORD, _guard, log_columns,
                                      prepare_copy, stream_copy)
from helpdesk.extensions import db

ILLEGAL = "[\x01-\x08\x0b\x0c\x0e-\x1f]"  # control characters XML 1.0 forbids
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"), ("\n", "&#10;"),
            ("\t", "&#9;"), ("\\", "&#92;"))
EXCEL_EPOCH_DAYS = 25569  # 1970-01-01 as an Excel serial


def _cat(*parts) -> ColumnElement:
    """a || b || ...: NULL when any part is NULL (an empty cell is left out)."""
    out = None
    for part in parts:
        part = literal(part, Text) if isinstance(part, str) else part
        out = part if out is None else out.op("||")(part)
    return out


def _escaped(value: ColumnElement) -> ColumnElement:
    for char, entity in _ESCAPES:
        value = func.replace(value, char, entity)
    return value


def _serial(moment: ColumnElement, tz: str) -> ColumnElement:
    """Excel serial of the local wall time, truncated to the minute (as float8 text)."""
    minutes = func.floor(func.date_part("epoch", func.timezone(tz, moment)) / 60)
    return cast(minutes / 1440 + EXCEL_EPOCH_DAYS, Text)


def _cells(columns, letters, row: ColumnElement, tz: str, date_style: int) -> list:
    ref = [lambda letter=letter: _cat(f'<c r="{letter}', row) for letter in letters]
    out = []
    for (kind, expr), make_ref in zip(columns, ref, strict=True):
        if kind == TEXT:
            text = _guard(expr)  # stripped of ILLEGAL in xlsx_select's inner query
            out.append(_cat(make_ref(), '" t="inlineStr"><is><t xml:space="preserve">',
                            _escaped(text), "</t></is></c>"))
        elif kind == WORD:
            out.append(_cat(make_ref(), '" t="inlineStr"><is><t>', expr, "</t></is></c>"))
        elif kind == TIME:
            out.append(_cat(make_ref(), f'" s="{date_style}" t="n"><v>', _serial(expr, tz),
                            "</v></c>"))
        elif kind == NUMBER:
            out.append(_cat(make_ref(), '" t="n"><v>', cast(expr, Text), "</v></c>"))
    return out


def xlsx_select(flt: ExportFilter, user, tz: str, now: datetime, letters: list[str],
                date_style: int, first_row: int = 2):
    """SELECT of one `<row>` element per ticket, in the order of the log."""
    columns, source, tid = log_columns(flt, user, tz, now)
    # Computed once per row here, used several times by the cell expressions.
    values = [(func.regexp_replace(e, ILLEGAL, "", "g") if kind == TEXT else e).label(f"c{i}")
              for i, (kind, e) in enumerate(columns)]
    inner = (select(tid.label("tid"), (func.row_number().over(order_by=tid) + (first_row - 1))
                    .label("rn"), *values)
             .select_from(source).subquery("r"))
    row = cast(inner.c.rn, Text)
    renamed = [(kind, inner.c[f"c{i}"]) for i, (kind, _) in enumerate(columns)]
    cells = _cells(renamed, letters, row, tz, date_style)
    return select(func.concat('<row r="', row, '">', *cells, "</row>")).order_by(inner.c.tid)


def copy_response_times_xlsx(flt: ExportFilter, user, tz: str, now: datetime, calendar,
                             letters: list[str], date_style: int,
                             counter: dict | None = None) -> Iterator[bytes] | None:
    """`<row>` elements from row 2 straight from PostgreSQL, or None when not applicable."""
    prepared = prepare_copy(flt, user, tz, calendar,
                            lambda: xlsx_select(flt, user, tz, now, letters, date_style))
    if prepared is None:
        return None
    days, query, params = prepared
    return _rows(stream_copy(db.engine, days, f"COPY ({query}) TO STDOUT", params, counter))


def _rows(lines: Iterator[bytes], size: int = 1 << 18) -> Iterator[bytes]:
    """COPY's lines (one per row) joined into larger chunks, without the line breaks."""
    pending, pending_size = [], 0
    for line in lines:
        pending.append(line)
        pending_size += len(line)
        if pending_size >= size:
            yield b"".join(pending).replace(b"\n", b"")
            pending, pending_size = [], 0
    if pending:
        yield b"".join(pending).replace(b"\n", b"")
