"""The password reset asks first (and works without JavaScript); the audit log's way back to its first page."""
import re

from helpdesk.audit.log import record
from helpdesk.extensions import db, limiter
from helpdesk.models import User
from tests.helpers import csrf_from, login, make_user


def test_password_reset_asks_for_confirmation_and_works_without_javascript(app, ctx):
    make_user("boss", "admin")
    target = make_user("ivan.spec", "press")
    db.session.commit()
    old_hash = target.password_hash
    admin = app.test_client()
    login(admin, "boss")
    html = admin.get("/admin/users").get_data(as_text=True)
    form = re.search(rf'<form method="post" action="/admin/users/{target.id}/[^"]*"[^>]*>', html, re.S)
    assert form and 'data-confirm="Сбросить пароль пользователя ivan.spec?' in form.group(0)
    assert '<div class="table-responsive">' in html
    # Without JavaScript the form simply posts.
    response = admin.post(form.group(0).split('action="')[1].split('"')[0],
                          data={"csrf_token": csrf_from(html)})
    assert response.status_code in (200, 302)
    db.session.expire_all()
    assert db.session.get(User, target.id).password_hash != old_hash


def test_audit_log_links_back_to_the_first_page_when_paged(app, ctx):
    limiter.reset()
    make_user("aud", "auditor")
    for i in range(120):
        record("ticket_viewed", object_type="ticket", object_id=str(1000 + i))
    db.session.commit()
    client = app.test_client()
    login(client, "aud")
    first = client.get("/audit/?action=ticket_viewed").get_data(as_text=True)
    assert "К началу" not in first
    more = re.search(r'href="([^"]*before=\d+[^"]*)"', first).group(1).replace("&amp;", "&")
    second = client.get(more).get_data(as_text=True)
    back = re.search(r'<a [^>]*href="([^"]*)"[^>]*>← К началу</a>', second)
    assert back and "before=" not in back.group(1) and "action=ticket_viewed" in back.group(1)
    assert client.get(back.group(1).replace("&amp;", "&")).get_data(as_text=True).count("<tr>") == 101
