"""One woman on three platforms: Мария Кузнецова wrote on Telegram, VK and OK."""
from dataclasses import dataclass

import pytest

from helpdesk.citizens.keys import remember_ticket
from helpdesk.extensions import db
from tests.desk.world import World, add_ticket, build_world
from tests.helpers import login, make_channel

PHONE = "+79001234567"
MARIA = {"surname": "Кузнецова", "name": "Мария", "full_name": "Кузнецова Мария"}


@dataclass
class Cross:
    world: World
    telegram: object
    ok: object
    tg_ticket: object  # Telegram, committee on social policy, phone and name in the text
    vk_ticket: object  # VK, committee on economy, the same phone
    ok_ticket: object  # OK, committee on social policy, the same name in her profile

    @property
    def maria_tg(self):
        return self.tg_ticket.citizen

    @property
    def maria_vk(self):
        return self.vk_ticket.citizen

    @property
    def maria_ok(self):
        return self.ok_ticket.citizen


def build_cross() -> Cross:
    world = build_world()
    telegram = make_channel("telegram", "tg-main")
    ok = make_channel("ok", "ok-main")
    tg = add_ticket(telegram, world.social, name="Мария Кузнецова",
                    text="Я Кузнецова Мария, когда починят дорогу? Телефон 8 (900) 123-45-67",
                    extracted={"phones": [PHONE], "person": MARIA})
    tg.citizen.username = "maria_k"
    vk = add_ticket(world.channel, world.economy, name="Маша К.",
                    text="Не выплатили пособие. Звоните +7 900 123 45 67",
                    extracted={"phones": [PHONE]})
    ok_ticket = add_ticket(ok, world.social, name="Кузнецова Мария", text="Спасибо за ответ!")
    for ticket in (tg, vk, ok_ticket):
        remember_ticket(ticket)
    db.session.commit()
    return Cross(world, telegram, ok, tg, vk, ok_ticket)


@pytest.fixture
def cross(ctx):
    return build_cross()


@pytest.fixture
def signed_in(app):
    """signed_in(username) → a test client signed in through the real form."""
    def make(username):
        client = app.test_client()
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client
    return make
