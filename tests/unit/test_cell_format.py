"""Report tables write values the Russian way."""
from datetime import date

from helpdesk.web.templating import cell


def test_cells_are_written_the_russian_way():
    assert cell("2026-10-28") == "28.10.2026" and cell(date(2026, 1, 5)) == "05.01.2026"
    assert cell(100.0) == "100,0" and cell(12.345) == "12,3"
    assert cell(None) == "—" and cell(7) == "7" and cell("Пресс-служба") == "Пресс-служба"
