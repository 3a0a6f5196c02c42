"""Department isolation (404) and auditor read-only (403), tickets made in the database."""
import pytest

from helpdesk.extensions import db
from helpdesk.models import Message
from tests.helpers import csrf_from, login, make_channel, make_department, make_ticket, make_user


@pytest.fixture
def world(ctx):
    social = make_department("Комитет по социальной политике")
    housing = make_department("Комитет по жилищной политике и инфраструктурному развитию")
    channel = make_channel()
    mine = make_ticket(channel, social, "Вопрос о пособии", citizen_name="Анна Смирнова")
    theirs = make_ticket(channel, housing, "Протекает крыша", citizen_name="Рустам Хайруллин")
    make_user("spec", "specialist", social)
    make_user("aud", "auditor")
    make_user("press", "press")
    db.session.commit()
    return {"mine": mine.id, "theirs": theirs.id}


def test_specialist_sees_only_own_department(client, world):
    login(client, "spec")
    listing = client.get("/tickets").get_data(as_text=True)
    assert "Анна Смирнова" in listing and "Рустам Хайруллин" not in listing
    assert client.get(f"/tickets/{world['mine']}").status_code == 200
    assert client.get(f"/tickets/{world['theirs']}").status_code == 404


def test_specialist_cannot_write_to_other_department(client, world):
    login(client, "spec")
    token = csrf_from(client.get(f"/tickets/{world['mine']}").get_data(as_text=True))
    response = client.post(f"/tickets/{world['theirs']}/note",
                           data={"text": "чужое", "csrf_token": token})
    assert response.status_code == 404
    assert db.session.query(Message).filter_by(text="чужое").count() == 0


def test_press_sees_everything(client, world):
    login(client, "press")
    for key in ("mine", "theirs"):
        assert client.get(f"/tickets/{world[key]}").status_code == 200


def test_auditor_reads_but_cannot_write(client, world):
    login(client, "aud")
    page = client.get(f"/tickets/{world['theirs']}")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(f"/tickets/{world['theirs']}/note",
                           data={"text": "заметка аудитора", "csrf_token": token})
    assert response.status_code == 403
    assert db.session.query(Message).filter_by(text="заметка аудитора").count() == 0


def test_admin_pages_are_for_admins_only(client, world):
    login(client, "press")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/departments").status_code == 403


def test_ticket_view_is_audited(client, world):
    from helpdesk.models import AuditEvent

    login(client, "spec")
    client.get(f"/tickets/{world['mine']}")
    viewed = db.session.query(AuditEvent).filter_by(action="ticket_viewed").one()
    assert viewed.object_id == str(world["mine"]) and viewed.username == "spec"


def test_citizen_text_is_escaped(client, ctx):
    dept = make_department()
    ticket = make_ticket(make_channel(), dept, "<script>alert('x')</script>")
    make_user("press", "press")
    db.session.commit()
    login(client, "press")
    html = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
