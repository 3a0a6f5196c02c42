"""The routing settings in a real browser: a threshold typed with a comma is saved as typed, and a
long name and department in the navbar stay on one line at 1366 px."""
import pytest

from helpdesk.extensions import db
from helpdesk.models import Department
from helpdesk.models.setting import get_setting
from helpdesk.routing.service import THRESHOLD_KEY
from tests.browser.test_desk_flow import browser  # noqa: F401  (the Chromium fixture)
from tests.desk.world import make_fast_user
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_threshold_with_a_comma_and_a_one_line_navbar(ctx, live, browser):  # noqa: F811
    dept = Department(name="Комитет по экологии, природопользованию, агропромышленной и "
                           "продовольственной политике")
    db.session.add(dept)
    db.session.flush()
    make_fast_user("boss", "admin", dept,
                   full_name="Константинопольская Александра Вячеславовна")
    db.session.commit()
    context = browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/tickets**")
    page.goto(f"{live.url}/settings/routing")
    # The navbar stays one row high although the caption is long (it is cut, whole in its title).
    assert page.locator("nav.navbar").bounding_box()["height"] < 70
    caption = page.locator(".user-caption")
    assert "Константинопольская" in caption.get_attribute("title")
    # Typed the Russian way, with the comma, into the field the page renders.
    page.fill("#threshold", "0,7")
    page.click("button:has-text('Сохранить')")
    page.wait_for_selector(".alert-success")
    assert page.input_value("#threshold") == "0,7"
    db.session.expire_all()
    assert get_setting(THRESHOLD_KEY) == 0.7
    context.close()
