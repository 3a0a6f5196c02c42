"""The migration makes every stored citizen a person of its own and reads the stored tickets' keys."""
import json

from flask_migrate import upgrade
from sqlalchemy import text

from helpdesk import create_app
from helpdesk.extensions import db
from tests.unit.test_migrations import MIGRATIONS, scratch_url  # noqa: F401  (fixture)

BEFORE = "e8b1c5a7d240"


def test_existing_citizens_become_people_and_ticket_keys_are_read(scratch_url):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision=BEFORE)
        extracted = {"phones": ["8 900 123-45-67"], "emails": ["A@B.ru"],
                     "person": {"surname": "Кузнецова", "name": "Мария"}}
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO channels (id, kind, slug, name, token, secret, "
                              "confirmation, webhook_token, api_base, mode, active, auto_ack, "
                              "poll_state, created_at) VALUES (1, 'vk', 'vk', 'vk', '', '', '', "
                              "'w', '', 'webhook', true, true, '{}', '2026-01-01')"))
            for n in (1, 2):
                conn.execute(text(
                    "INSERT INTO citizens (id, channel_id, external_user_id, reply_address, "
                    "display_name, first_name, last_name, username, created_at, name_lookups) "
                    f"VALUES ({n}, 1, 'u{n}', '{n}', 'Мария', '', '', '', '2026-01-01', 0)"))
            conn.execute(text(
                "INSERT INTO tickets (id, number, status, kind, channel_id, citizen_id, subject, "
                "collective, extracted, received_at, last_message_at, updated_at, "
                "applicant_name) VALUES (1, '2026-000001', 'closed', 'appeal', 1, 2, '', false, "
                ":extracted, '2026-01-01', '2026-01-01', '2026-01-01', 'Иванова Анна')"),
                {"extracted": json.dumps(extracted, ensure_ascii=False)})
        upgrade(directory=str(MIGRATIONS))
        with db.engine.begin() as conn:
            persons = conn.execute(text("SELECT id, person_id FROM citizens ORDER BY id")).all()
            keys = set(conn.execute(text("SELECT ticket_id, kind, value FROM contact_keys")).all())
            conn.execute(text("INSERT INTO people (created_at) VALUES ('2026-02-01')"))
            next_id = conn.execute(text("SELECT max(id) FROM people")).scalar()
        db.engine.dispose()
    assert persons == [(1, 1), (2, 2)]
    assert keys == {(1, "phone", "+79001234567"), (1, "email", "a@b.ru"),
                    (1, "name", "кузнецова мария"), (1, "name", "иванова анна")}
    assert next_id == 3  # new people are numbered after the migrated ones
