"""Many staff opening tickets at once: every view is answered and audited, the chain stays whole."""
import re
from concurrent.futures import ThreadPoolExecutor

import requests

from helpdesk.audit.services import verify
from helpdesk.extensions import db
from helpdesk.models import AuditEvent
from tests.fakes.live import LiveServer
from tests.helpers import PASSWORD, make_channel, make_department, make_ticket, make_user


def _signed_in_session(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = session.post(f"{base}/login", data={"username": username, "password": PASSWORD,
                                                    "csrf_token": token}, allow_redirects=False)
    assert response.status_code == 302
    return session


def test_parallel_ticket_views_are_all_answered_and_chained(app, ctx):
    dept = make_department()
    channel = make_channel()
    tickets = [make_ticket(channel, dept, f"Вопрос {i}").id for i in range(4)]
    for i in range(4):
        make_user(f"press{i}", "press")
    db.session.commit()
    with LiveServer(app) as server:
        sessions = [_signed_in_session(server.url, f"press{i}") for i in range(4)]

        def view(n: int) -> int:
            return sessions[n % 4].get(f"{server.url}/tickets/{tickets[n % 4]}").status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(pool.map(view, range(48)))
    assert codes == [200] * 48
    assert db.session.query(AuditEvent).filter_by(action="ticket_viewed").count() == 48
    count, broken = verify()
    assert broken is None and count == db.session.query(AuditEvent).count()
