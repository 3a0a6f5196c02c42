"""Admin pages and commands: departments, users, the first admin."""
import re

from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Department, User
from tests.helpers import login, make_channel, make_department, make_ticket, make_user, post_form


def test_admin_creates_department_and_specialist_who_sees_only_it(app, ctx):
    from tests.helpers import make_channel, make_ticket

    make_user("boss", "admin")
    db.session.commit()
    admin = app.test_client()
    login(admin, "boss")
    response = post_form(admin, "/admin/departments", "/admin/departments",
                         {"name": "Комитет по бюджету, налогам и финансам"})
    assert response.status_code == 302
    dept = db.session.query(Department).filter_by(name="Комитет по бюджету, налогам и финансам").one()
    response = post_form(admin, "/admin/users/new", "/admin/users/new",
                         {"username": "fin.spec", "full_name": "Гульнара Сафина", "email": "",
                          "role": "specialist", "department_id": dept.id})
    assert response.status_code == 200
    password = re.search(r'id="issued-password">([^<]+)<', response.get_data(as_text=True)).group(1)

    other = db.session.query(Department).filter(Department.id != dept.id).first() or \
        Department(name="Правовое управление")
    db.session.add(other)
    db.session.flush()
    channel = make_channel()
    make_ticket(channel, dept, "Про налоги", citizen_name="Видимый Гражданин")
    make_ticket(channel, other, "Про суд", citizen_name="Скрытый Гражданин")
    db.session.commit()

    spec = app.test_client()
    login(spec, "fin.spec", password)
    post_form(spec, "/account/password", "/account/password",
              {"current": password, "new": "specialist-pass-1", "confirm": "specialist-pass-1"})
    listing = spec.get("/tickets").get_data(as_text=True)
    assert "Видимый Гражданин" in listing and "Скрытый Гражданин" not in listing


def test_specialist_needs_department(app, ctx):
    make_user("boss", "admin")
    db.session.commit()
    client = app.test_client()
    login(client, "boss")
    response = post_form(client, "/admin/users/new", "/admin/users/new",
                         {"username": "nodept", "role": "specialist", "department_id": 0})
    assert "нужно указать подразделение" in response.get_data(as_text=True)
    assert db.session.query(User).filter_by(username="nodept").count() == 0


def test_duplicate_department_name_is_refused(app, ctx):
    make_user("boss", "admin")
    db.session.add(Department(name="Правовое управление"))
    db.session.commit()
    client = app.test_client()
    login(client, "boss")
    response = post_form(client, "/admin/departments", "/admin/departments",
                         {"name": "правовое  управление"})
    assert "уже есть" in response.get_data(as_text=True)


def test_rename_and_deactivate_department(app, ctx):
    make_user("boss", "admin")
    dept = Department(name="Старое имя")
    db.session.add(dept)
    db.session.commit()
    client = app.test_client()
    login(client, "boss")
    url = f"/admin/departments/{dept.id}"
    assert post_form(client, url, url, {"name": "Новое имя"}).status_code == 302
    post_form(client, "/admin/departments", f"/admin/departments/{dept.id}/toggle", {})
    db.session.refresh(dept)
    assert dept.name == "Новое имя" and dept.active is False
    actions = {e.action for e in db.session.query(AuditEvent)}
    assert {"department_updated", "department_deactivated"} <= actions


def test_cli_creates_admin_from_stdin(runner, ctx):
    result = runner.invoke(args=["users", "create", "--username", "root", "--role", "admin",
                                 "--password-stdin"], input="a-very-long-password\n")
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(username="root").one()
    assert user.role == "admin" and user.check_password("a-very-long-password")
    assert "a-very-long-password" not in result.output


def test_cli_refuses_short_password(runner, ctx):
    result = runner.invoke(args=["users", "create", "--username", "x", "--role", "admin",
                                 "--password-stdin"], input="short\n")
    assert result.exit_code != 0
    assert db.session.query(User).count() == 0


def test_seed_and_demo_admin(runner, ctx):
    assert runner.invoke(args=["seed"]).exit_code == 0
    assert db.session.query(Department).filter_by(is_triage=True).count() == 1
    assert db.session.query(Department).count() == 12
    first = runner.invoke(args=["demo-admin"])
    assert "одноразовый пароль" in first.output
    password = re.search(r"одноразовый пароль: (\S+)", first.output).group(1)
    admin = db.session.query(User).filter_by(username="admin").one()
    assert admin.check_password(password) and admin.must_change_password
    second = runner.invoke(args=["demo-admin"])
    assert "уже создан" in second.output
    assert runner.invoke(args=["seed"]).exit_code == 0
    assert db.session.query(Department).count() == 12


def test_department_with_people_or_open_tickets_stays_on(app, ctx):
    make_user("boss", "admin")
    dept = Department(name="Комитет с людьми")
    db.session.add(dept)
    db.session.flush()
    worker = make_user("worker", "specialist", dept)
    db.session.commit()
    client = app.test_client()
    login(client, "boss")
    post_form(client, "/admin/departments", f"/admin/departments/{dept.id}/toggle", {})
    assert "Нельзя отключить" in client.get("/admin/departments").get_data(as_text=True)
    db.session.refresh(dept)
    assert dept.active is True
    worker.active = False
    db.session.commit()
    post_form(client, "/admin/departments", f"/admin/departments/{dept.id}/toggle", {})
    db.session.refresh(dept)
    assert dept.active is False


def test_exactly_one_triage_department(app, ctx):
    """The mark moves to the department that takes it; it cannot be just taken off."""
    make_user("boss", "admin")
    press = Department(name="Пресс-служба", is_triage=True)
    other = Department(name="Второй разбор")
    db.session.add_all([press, other])
    db.session.commit()
    client = app.test_client()
    login(client, "boss")
    url = f"/admin/departments/{press.id}"
    answer = post_form(client, url, url, {"name": "Пресс-служба"})  # the box left unticked
    assert "Первичный разбор должен вести одно подразделение" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert press.is_triage is True
    url = f"/admin/departments/{other.id}"
    post_form(client, url, url, {"name": "Второй разбор", "is_triage": "y"})
    db.session.expire_all()
    assert (press.is_triage, other.is_triage) == (False, True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "department_updated"))
    assert event.details["triage_moved_from"] == "Пресс-служба"


def test_moving_a_specialist_frees_the_tickets_they_can_no_longer_open(app, ctx):
    from helpdesk.auth.services import update_user

    social, legal = make_department("Комитет по социальной политике"), make_department("Правовое")
    boss = make_user("boss2", "admin")
    spec = make_user("spec9", "specialist", social)
    mine = make_ticket(make_channel(), social)
    mine.assignee_id = spec.id
    update_user(spec, role="specialist", department=legal, full_name="", email=None,
                active=True, actor=boss)
    db.session.commit()
    db.session.refresh(mine)
    assert mine.assignee_id is None and mine.department_id == social.id  # back in its queue
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket_assigned"))
    assert event.details == {"previous": spec.id, "assignee": None, "reason": "user_changed"}


def test_a_department_name_of_invisible_marks_is_refused(app, ctx):
    make_user("boss3", "admin")
    db.session.commit()
    client = app.test_client()
    login(client, "boss3")
    answer = post_form(client, "/admin/departments", "/admin/departments", {"name": "\u200b \u2060"})
    assert "Укажите название" in answer.get_data(as_text=True)
    assert db.session.scalar(select(Department).where(Department.name.like("%\u200b%"))) is None
