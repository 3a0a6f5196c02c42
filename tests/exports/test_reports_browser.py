"""Headless Chromium: the reports page draws every chart under the CSP, without console errors.

Needs Debian's chromium at /usr/bin/chromium (or CHROMIUM_PATH); skipped without it.
"""
import os
from datetime import timedelta
from pathlib import Path

import pytest

from helpdesk.extensions import db
from helpdesk.models.ticket import TicketStatus
from helpdesk.models.types import utcnow
from tests.exports.factories import ticket
from tests.helpers import PASSWORD, make_channel, make_department, make_user

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
pytestmark = pytest.mark.browser


def test_reports_page_draws_charts(ctx):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's browser with `apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    from tests.fakes.live import LiveServer

    dept = make_department()
    vk = make_channel()
    now = utcnow()
    for i in range(5):
        received = now - timedelta(days=i, hours=2)
        ticket(vk, dept, received=received, first_response_at=received + timedelta(hours=1),
               answered_at=received + timedelta(hours=1), answer_due=received + timedelta(days=1),
               status=TicketStatus.ANSWERED, topic="Дороги", district="Казань")
    make_user("chart-auditor", "auditor")
    db.session.commit()
    with LiveServer(ctx) as live, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        errors = []
        page.on("console", lambda m: errors.append((page.url, m.text)) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append((page.url, str(e))))
        page.goto(f"{live.url}/login")
        page.fill("input[name=username]", "chart-auditor")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live.url}/tickets**")
        errors.clear()
        page.goto(f"{live.url}/tickets")
        page.wait_for_load_state("load")
        baseline = {text for _, text in errors}  # what every page of the base layout logs
        errors.clear()
        page.goto(f"{live.url}/reports/")
        page.wait_for_function("window.Chart && Object.keys(window.Chart.instances).length === 9")
        drawn = page.evaluate("Object.values(window.Chart.instances).map(c => c.data.labels.length)")
        browser.close()
    assert [text for _, text in errors if text not in baseline] == []
    assert sorted(drawn)[-1] >= 5  # the by-day chart has one label per day with tickets
