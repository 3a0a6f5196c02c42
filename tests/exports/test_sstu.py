"""The monthly ССТУ summary against hand-counted tickets."""
import csv
import io

from openpyxl import load_workbook

from helpdesk.exports.sstu import HEADERS
from helpdesk.extensions import db
from helpdesk.models.ticket import TicketStatus
from tests.exports.factories import msk, ticket
from tests.helpers import make_channel, make_department


def _seed():
    dept = make_department()
    vk = make_channel("vk", "vk-main")
    tg = make_channel("telegram", "tg")
    closed = dict(status=TicketStatus.CLOSED, closed_at=msk(2026, 11, 20, 10, 0), kind="appeal")
    first = ticket(vk, dept, received=msk(2026, 11, 2, 10, 0), topic_code="0005.0005.0056.1156",
                   result="supported", answered_at=msk(2026, 11, 3, 10, 0),
                   answer_due=msk(2026, 11, 5, 18, 0), **closed)
    # The same citizen again: repeated; answered after its due time: late.
    ticket(vk, dept, received=msk(2026, 11, 10, 10, 0), citizen=first.citizen,
           topic_code="0005.0005.0056.1156", result="explained",
           answered_at=msk(2026, 11, 19, 10, 0), answer_due=msk(2026, 11, 12, 18, 0), **closed)
    ticket(tg, dept, received=msk(2026, 11, 11, 10, 0), topic_code="0002.0014.0141.0443",
           status=TicketStatus.ASSIGNED, collective=True, kind="appeal")
    ticket(tg, dept, received=msk(2026, 11, 12, 10, 0), topic_code="0002.0014.0141.0443",
           status=TicketStatus.FORWARDED, result="forwarded", forwarded_at=msk(2026, 11, 13, 9, 0),
           kind="appeal")
    ticket(tg, dept, received=msk(2026, 11, 13, 10, 0), status=TicketStatus.CLOSED, kind="appeal",
           closed_at=msk(2026, 11, 14, 9, 0))  # no code, no answer: Оставлено без ответа
    ticket(vk, dept, received=msk(2026, 11, 14, 10, 0), status=TicketStatus.MERGED,
           kind="appeal")  # not counted
    ticket(vk, dept, received=msk(2026, 12, 1, 10, 0), topic_code="X", kind="appeal")  # next month
    # Social-network messages never registered: not appeals, only their number is given.
    ticket(vk, dept, received=msk(2026, 11, 15, 10, 0), topic_code="0005.0005.0056.1156",
           status=TicketStatus.CLOSED, result="answered", answered_at=msk(2026, 11, 15, 12, 0))
    ticket(tg, dept, received=msk(2026, 11, 16, 10, 0), status=TicketStatus.ASSIGNED)
    db.session.commit()


def _expected_rows():
    def line(code, **counts):
        values = [counts.get(r, 0) for r in HEADERS[1:-1]]
        return [code, *[str(v) for v in values], str(sum(values))]
    return [
        list(HEADERS),
        line("(без кода)", **{"Оставлено без ответа": 1}),
        line("0002.0014.0141.0443", **{"Направлено по компетенции": 1, "В работе": 1}),
        line("0005.0005.0056.1156", **{"Поддержано": 1, "Разъяснено": 1}),
        line("Итого", **{"Поддержано": 1, "Разъяснено": 1, "Направлено по компетенции": 1,
                         "Оставлено без ответа": 1, "В работе": 1}),
        [],
        ["Показатель", "Количество"], ["Месяц", "2026-11"], ["Всего обращений", "5"],
        ["Повторные", "1"], ["Коллективные", "1"], ["Рассмотрены с нарушением срока", "1"],
        ["Канал: tg", "3"], ["Канал: vk-main", "2"],
        ["Сообщения и комментарии, не зарегистрированные как обращения (не входят в отчёт)", "2"],
    ]


def test_sstu_csv_matches_hand_counts(ctx, runner, tmp_path):
    _seed()
    out = tmp_path / "s.csv"
    result = runner.invoke(args=["export", "sstu", "--month", "2026-11", "--format", "csv",
                                 "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert rows == _expected_rows()


def test_sstu_xlsx(ctx, runner, tmp_path):
    _seed()
    out = tmp_path / "s.xlsx"
    result = runner.invoke(args=["export", "sstu", "--month", "2026-11", "--format", "xlsx",
                                 "--output", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out, read_only=True).active
    rows = [[("" if v is None else str(v)) for v in r] for r in sheet.iter_rows(values_only=True)]
    assert [r[:len(e)] for r, e in zip(rows, _expected_rows(), strict=False) if e] == [
        e for e in _expected_rows() if e]


def test_sstu_bad_month(ctx, runner, tmp_path):
    result = runner.invoke(args=["export", "sstu", "--month", "2026-13", "--format", "csv",
                                 "--output", str(tmp_path / "x.csv")])
    assert result.exit_code != 0 and "ГГГГ-ММ" in result.output
