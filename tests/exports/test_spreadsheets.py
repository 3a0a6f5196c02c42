"""Pure generators: BOM, formula-injection guard, XLSX contents."""
import csv
import io

import pytest
from openpyxl import load_workbook

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
    sheet = load_workbook(path).active
    return [[c.value for c in r] for r in sheet.iter_rows()], sheet


@pytest.mark.parametrize("rows", [
    [("=1+1", -5, None, 3.25, "Казань <б> & \"к\"", True),
     ("ok\x01\x0bbad", 0, "  пробелы  ", None, "+7", False),
     ("\tтаб", 2**40, "", 0.1, "строка\nвторая\r\nтретья\rчетвёртая\tтаб", None),
     ("\x01=скрытая формула", None, "\\", -0.0, "a]]>b", True)],
    [],
])
def test_python_engine_matches_openpyxl(tmp_path, rows):
    from datetime import datetime, timedelta, timezone

    from helpdesk.exports.spreadsheets import write_xlsx

    tz = timezone(timedelta(hours=3))
    rows = [(*r, datetime(2026, 11, 5, 10, 15, 42, 900_000, tzinfo=tz)) for r in rows]
    headers = ["Текст", "Число", "Пусто", "Дробь", "Спецсимволы", "Флаг", "Время"]
    write_xlsx(tmp_path / "a.xlsx", headers, rows, "Лист", engine="openpyxl")
    write_xlsx(tmp_path / "b.xlsx", headers, rows, "Лист", engine="python")
    (a, sheet_a), (b, sheet_b) = _read(tmp_path / "a.xlsx"), _read(tmp_path / "b.xlsx")
    assert b == a and sheet_b.title == sheet_a.title == "Лист"
    if rows:
        # Times to the minute, as the CSV shows them.
        assert b[1][0] == "'=1+1" and b[1][6] == datetime(2026, 11, 5, 10, 15)
        assert b[2][0] == "okbad" and b[2][2] == "  пробелы  "
        assert b[3][0] == "'\tтаб" and b[3][4] == "строка\nвторая\r\nтретья\rчетвёртая\tтаб"
        assert b[4][0] == "'=скрытая формула" and b[4][2] == "\\"
        assert sheet_b["G2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet_b["A1"].font.b


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
