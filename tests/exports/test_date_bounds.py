"""Out-of-range periods (year 1, year 9999) get a clear Russian error, never a 500."""
import pytest

from helpdesk.exports.filters import ExportError, parse_filter, parse_month
from helpdesk.extensions import db
from tests.helpers import login, make_user, post_form


@pytest.mark.parametrize("date_from,date_to", [
    ("0001-01-01", "9999-12-31"), ("1999-12-31", "2026-01-01"), ("2026-01-01", "2101-01-01"),
])
def test_filter_rejects_years_outside_2000_2100(date_from, date_to):
    with pytest.raises(ExportError, match="от 2000 до 2100"):
        parse_filter(date_from, date_to)


def test_filter_accepts_the_edges():
    flt = parse_filter("2000-01-01", "2100-12-31")
    start, end = flt.bounds()
    assert start.year == 1999 and end.year == 2100  # Moscow midnight is 21:00 UTC the day before


def test_month_outside_the_years_is_rejected():
    with pytest.raises(ExportError, match="от 2000 до 2100"):
        parse_month("0001-01")
    assert parse_month("2100-12")[1].day == 31


def test_page_download_and_job_show_the_error(ctx, client):
    make_user("aud_bounds", "auditor")
    db.session.commit()
    login(client, "aud_bounds")
    page = client.get("/exports/?from=0001-01-01&to=9999-12-31")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Год периода должен быть от 2000 до 2100" in html
    response = client.get("/exports/download/events?format=csv&from=0001-01-01&to=9999-12-31",
                          follow_redirects=True)
    assert response.status_code == 200
    assert "от 2000 до 2100" in response.get_data(as_text=True)
    response = post_form(client, "/exports/", "/exports/jobs",
                         {"kind": "response_times", "format": "csv", "from": "0001-01-01",
                          "to": "9999-12-31"})
    assert response.status_code in (200, 302)
    followed = client.get("/exports/?from=2026-01-01&to=2026-01-31").get_data(as_text=True)
    assert "от 2000 до 2100" in followed
    response = client.get("/exports/download/sstu?format=csv&month=0001-01", follow_redirects=True)
    assert response.status_code == 200 and "от 2000 до 2100" in response.get_data(as_text=True)


@pytest.mark.parametrize("command", [["response-times"], ["events"]])
def test_cli_rejects_out_of_range_years(ctx, runner, tmp_path, command):
    out = tmp_path / "x.csv"
    result = runner.invoke(args=["export", *command, "--from", "0001-01-01", "--to", "9999-12-31",
                                 "--format", "csv", "--output", str(out)])
    assert result.exit_code != 0
    assert "от 2000 до 2100" in result.output and "Traceback" not in result.output
    assert not out.exists()
    result = runner.invoke(args=["export", "sstu", "--month", "9999-12", "--format", "csv",
                                 "--output", str(out)])
    assert result.exit_code != 0 and "от 2000 до 2100" in result.output
