"""The desk pages render for every role, and a citizen's text is escaped."""
import pytest

from tests.desk.world import add_ticket
from helpdesk.extensions import db


@pytest.mark.parametrize("role", ["press", "admin", "auditor", "spec_a"])
def test_list_and_ticket_page_render(world, signed_in, role):
    client = signed_in(role)
    listing = client.get("/tickets?queue=all" if role != "spec_a" else "/tickets")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert world.ticket.number in html
    page = client.get(f"/tickets/{world.ticket.id}")
    assert page.status_code == 200
    assert "Сроки (МСК)" in page.get_data(as_text=True)


def test_citizen_text_is_escaped(world, signed_in):
    t = add_ticket(world.channel, world.social, text="<script>alert(1)</script>",
                   name="<b>Хакер</b>")
    db.session.commit()
    html = signed_in("press").get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Хакер</b>" not in html


@pytest.mark.parametrize("url", ["/settings/canned", "/settings/deadlines", "/settings/calendar",
                                 "/digest"])
def test_settings_pages_render_for_admin(world, signed_in, url):
    assert signed_in("admin").get(url).status_code == 200
