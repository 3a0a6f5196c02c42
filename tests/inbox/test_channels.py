"""Channels from the CLI and the admin page: tokens are write-only, never printed or shown."""
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Channel
from tests.helpers import login, make_user, post_form

TOKEN = "vk1.a.SUPERSECRETTOKEN-0123456789"


def test_cli_add_and_list_never_print_tokens(app, ctx, runner):
    result = runner.invoke(args=["channels", "add", "--kind", "vk", "--slug", "vk-kazan",
                                 "--token", TOKEN, "--group-id", "777", "--confirmation", "abc"])
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output and "/webhooks/vk/vk-kazan" in result.output
    result = runner.invoke(args=["channels", "add", "--kind", "telegram", "--slug", "tg",
                                 "--token", "123:TGSECRET", "--mode", "poll"])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["channels", "list"])
    assert "vk-kazan" in listing.output and "tg" in listing.output
    assert TOKEN not in listing.output and "TGSECRET" not in listing.output
    channel = db.session.scalar(select(Channel).where(Channel.slug == "vk-kazan"))
    assert channel.token == TOKEN and channel.secret and channel.group_id == "777"
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "channel_created"))
    assert all(TOKEN not in str(a.details) for a in audit)


def test_cli_rejects_bad_input(app, ctx, runner):
    bad = runner.invoke(args=["channels", "add", "--kind", "vk", "--slug", "vk1", "--token", "t"])
    assert bad.exit_code != 0 and "ID сообщества" in bad.output
    bad = runner.invoke(args=["channels", "add", "--kind", "ok", "--slug", "ok1", "--token", "t",
                              "--mode", "poll"])
    assert bad.exit_code != 0
    bad = runner.invoke(args=["channels", "add", "--kind", "telegram", "--slug", "Плохой код",
                              "--token", "t"])
    assert bad.exit_code != 0
    assert db.session.scalar(select(Channel)) is None
    missing = runner.invoke(args=["inbox", "poll", "nope"])
    assert missing.exit_code != 0


def test_admin_page_adds_edits_and_never_shows_tokens(app, ctx, client):
    make_user("root", "admin")
    db.session.commit()
    login(client, "root")
    page = client.get("/admin/channels")
    assert page.status_code == 200
    response = post_form(client, "/admin/channels", "/admin/channels", {
        "kind": "telegram", "slug": "tg-main", "name": "Бот Госсовета", "token": TOKEN,
        "secret": "", "group_id": "", "confirmation": "", "api_base": "", "mode": "webhook",
        "auto_ack": "y"})
    assert response.status_code == 302
    channel = db.session.scalar(select(Channel).where(Channel.slug == "tg-main"))
    assert channel.token == TOKEN
    edit_url = f"/admin/channels/{channel.id}"
    html = client.get(edit_url).get_data(as_text=True)
    assert TOKEN not in html and channel.secret not in html
    assert "/webhooks/telegram/tg-main" in html
    listing = client.get("/admin/channels").get_data(as_text=True)
    assert TOKEN not in listing and channel.secret not in listing
    # saving without a token keeps it; switching the acknowledgement off works
    post_form(client, edit_url, edit_url, {"name": "Бот", "token": "", "secret": "",
                                           "group_id": "", "confirmation": "", "api_base": "",
                                           "mode": "webhook"})
    db.session.expire_all()
    channel = db.session.get(Channel, channel.id)
    assert channel.token == TOKEN and channel.auto_ack is False and channel.name == "Бот"
    post_form(client, "/admin/channels", f"/admin/channels/{channel.id}/toggle", {})
    db.session.expire_all()
    assert db.session.get(Channel, channel.id).active is False


def test_admin_pages_are_admin_only(app, ctx, client):
    make_user("press1", "press")
    db.session.commit()
    login(client, "press1")
    assert client.get("/admin/channels").status_code == 403


def test_register_webhook_with_the_platforms(app, ctx, runner, tg_fake, ok_fake):
    from helpdesk.channels.services import create_channel

    tg = create_channel("telegram", "tg-hook", tg_fake.token, api_base=tg_fake.url)
    ok = create_channel("ok", "ok-hook", ok_fake.token, api_base=ok_fake.url)
    db.session.commit()
    for slug in ("tg-hook", "ok-hook"):
        result = runner.invoke(args=["channels", "register-webhook", slug, "--base-url",
                                     "https://help.example/"])
        assert result.exit_code == 0, result.output
    assert tg_fake.webhook == {"url": "https://help.example/webhooks/telegram/tg-hook",
                               "secret_token": tg.secret,
                               "allowed_updates": ["message", "edited_message"]}
    assert ok_fake.subscriptions == [f"https://help.example/webhooks/ok/ok-hook/{ok.webhook_token}"]
    assert tg.secret not in result.output
