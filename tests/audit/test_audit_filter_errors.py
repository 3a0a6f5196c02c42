"""Bad dates in the audit page's filter get clear Russian errors, never the whole log or a 500."""
import pytest

from helpdesk.audit.log import record
from helpdesk.extensions import db
from tests.helpers import login, make_user


@pytest.fixture
def auditor_client(ctx, client):
    make_user("aud_err", "auditor")
    record("ticket_viewed", object_type="ticket", object_id="4242")
    db.session.commit()
    login(client, "aud_err")
    return client


def _page(client, query: str) -> str:
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_malformed_dates_are_named_and_hide_the_log(auditor_client):
    html = _page(auditor_client, "from=2026-13-45&to=abc")
    assert "Дата «С»: укажите её в формате ГГГГ-ММ-ДД" in html
    assert "Дата «По»: укажите её в формате ГГГГ-ММ-ДД" in html
    assert "Обращение 4242" not in html  # not silently the full log
    assert 'value="2026-13-45"' in html and 'value="abc"' in html  # the input is kept


def test_reversed_period_is_named(auditor_client):
    html = _page(auditor_client, "from=2026-05-10&to=2026-05-01")
    assert "Дата «По» раньше даты «С»" in html


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=9999-12-31",
                                   "from=0001-01-01&to=9999-12-31", "from=1999-12-31"])
def test_years_outside_2000_2100_are_rejected(auditor_client, query):
    html = _page(auditor_client, query)
    assert ": год должен быть от 2000 до 2100" in html
    assert "Обращение 4242" not in html


def test_valid_period_still_lists_events(auditor_client):
    html = _page(auditor_client, "from=2000-01-01&to=2100-12-31")
    assert "alert-danger" not in html and "Обращение 4242" in html
    assert "Обращение 4242" in _page(auditor_client, "")
