"""Pure generators: BOM, formula-injection guard, XLSX contents."""
import csv
import io

import pytest
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from helpdesk.exports.spreadsheets import generate_csv, generate_xlsx, neutralise


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+79001234567", "'+79001234567"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("обычный текст", "обычный текст"), ("", ""),
    ("a=b", "a=b"),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_has_bom_guard_and_types():
    rows = [("=HYPERLINK(\"http://evil\")", -3, None, True, "Казань; \"кавычки\"")]
    data = b"".join(generate_csv(["Колонка", "Число", "Пусто", "Флаг", "Текст"], rows))
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed[0] == ["Колонка", "Число", "Пусто", "Флаг", "Текст"]
    assert parsed[1] == ["'=HYPERLINK(\"http://evil\")", "-3", "", "да", "Казань; \"кавычки\""]


def test_csv_is_yielded_in_chunks():
    chunks = list(generate_csv(["a"], ((i,) for i in range(10_000))))
    assert len(chunks) > 3
    assert b"".join(chunks).decode("utf-8-sig").count("\r\n") == 10_001


def test_xlsx_round_trip_guards_formulas(tmp_path):
    rows = [("=cmd|' /C calc'!A0", 5, "-x"), ("ok", None, "@y")]
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"".join(generate_xlsx(["A", "B", "C"], rows, "Лист")))
    sheet = load_workbook(path).active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values == [["A", "B", "C"], ["'=cmd|' /C calc'!A0", 5, "'-x"], ["ok", None, "'@y"]]
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)


def _read(path):
    """Values as Excel shows them (openpyxl leaves XlsxWriter's _x000D_ escapes as written)."""
    sheet = load_workbook(path).active
    return [[unescape(c.value) if isinstance(c.value, str) else c.value for c in r]
            for r in sheet.iter_rows()], sheet


@pytest.mark.parametrize("rows", [
    [("=1+1", -5, None, 3.25, "Казань <б> & \"к\"", True),
     ("ok\x01\x0bbad", 0, "  пробелы  ", None, "+7", False),
     ("\tтаб", 2**40, "", 0.1, "строка\nвторая\r\nтретья\rчетвёртая\tтаб", None),
     ("\x01=скрытая формула", None, "\\", -0.0, "a]]>b", True)],
    [],
])
def test_xlsx_values_types_and_guards(tmp_path, rows):
    from datetime import date, datetime, timedelta, timezone

    from helpdesk.exports.spreadsheets import write_xlsx

    tz = timezone(timedelta(hours=3))
    rows = [(*r, datetime(2026, 11, 5, 10, 15, 42, 900_000, tzinfo=tz), date(2026, 11, 5))
            for r in rows]
    headers = ["Текст", "Число", "Пусто", "Дробь", "Спецсимволы", "Флаг", "Время", "День"]
    assert write_xlsx(tmp_path / "b.xlsx", headers, rows, "Лист: [1]") == len(rows)
    values, sheet = _read(tmp_path / "b.xlsx")
    assert sheet.title == "Лист 1" and values[0] == headers
    assert len(values) == len(rows) + 1
    if rows:
        # Times to the minute, as the CSV shows them; text never becomes a formula.
        assert values[1][:6] == ["'=1+1", -5, None, 3.25, "Казань <б> & \"к\"", "да"]
        assert values[1][6] == datetime(2026, 11, 5, 10, 15)
        assert values[2][0] == "okbad" and values[2][2] == "  пробелы  " and values[2][5] == "нет"
        assert values[3][0] == "'\tтаб" and values[3][4] == "строка\nвторая\r\nтретья\rчетвёртая\tтаб"
        assert values[3][1] == 2**40 and values[3][2] is None
        assert values[4][0] == "'=скрытая формула" and values[4][2] == "\\"
        assert sheet["G2"].number_format == "dd.mm.yyyy hh:mm"
        assert sheet["H2"].number_format == "dd.mm.yyyy"
        assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
    assert sheet["A1"].font.b


def test_xlsx_header_is_frozen_filtered_and_columns_sized(tmp_path):
    from helpdesk.exports.spreadsheets import MAX_WIDTH, write_xlsx

    rows = [(i, "Комитет Государственного Совета по жилищной политике", "x" * 500)
            for i in range(300)]
    write_xlsx(tmp_path / "w.xlsx", ["№", "Подразделение", "Текст"], rows, "Лист")
    _, sheet = _read(tmp_path / "w.xlsx")
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C301"
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert widths[0] < 12 and 50 < widths[1] < MAX_WIDTH + 1 and widths[2] <= MAX_WIDTH + 1


def test_xlsx_memory_does_not_hold_the_rows(tmp_path):
    """Rows are consumed one by one (a generator of 50,000 is never materialised): the writer
    only keeps the sample it sizes the columns by."""
    from helpdesk.exports.spreadsheets import WIDTH_SAMPLE, write_xlsx

    pulled = []

    def rows():
        for i in range(50_000):
            pulled.append(i)
            yield (i, f"строка {i}")
            # while the writer sizes columns it may read ahead only the sample
            assert len(pulled) <= WIDTH_SAMPLE + 1 or i >= WIDTH_SAMPLE

    assert write_xlsx(tmp_path / "m.xlsx", ["n", "s"], rows(), "Лист") == 50_000
    values, _ = _read(tmp_path / "m.xlsx")
    assert values[-1] == [49_999, "строка 49999"]


def test_send_helpers_set_one_charset():
    from flask import Flask

    from helpdesk.exports.spreadsheets import CSV_MIME, XLSX_MIME, send_chunks, send_csv, send_xlsx

    with Flask("charset").test_request_context():
        responses = [(send_csv("a.csv", ["h"], []), "text/csv; charset=utf-8"),
                     (send_chunks("a.csv", CSV_MIME, [b""]), "text/csv; charset=utf-8"),
                     (send_chunks("a.xlsx", XLSX_MIME, [b""]), XLSX_MIME),
                     (send_xlsx("a.xlsx", ["h"], []), XLSX_MIME)]
        for response, expected in responses:
            assert response.headers["Content-Type"] == expected
            response.close()  # finish the streamed body inside the request context


def test_download_csv_has_one_charset(ctx, client):
    from helpdesk.extensions import db
    from tests.helpers import login, make_user

    make_user("aud_cs", "auditor")
    db.session.commit()
    login(client, "aud_cs")
    response = client.get("/exports/download/events?format=csv&from=2026-01-01&to=2026-01-31",
                          buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers.get_all("Content-Type") == ["text/csv; charset=utf-8"]
