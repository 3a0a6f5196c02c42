"""Department services (users live in helpdesk.auth.services)."""
from sqlalchemy import select

from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.models.department import Department
from helpdesk.util.text import is_blank
from helpdesk.models.user import User
from helpdesk.errors import UserError

DEFAULT_DEPARTMENTS = (
    ("Пресс-служба", True),
    ("Организационное управление", False),
    ("Правовое управление", False),
    ("Отдел по работе с обращениями граждан", False),
    ("Комитет по экономике, инвестициям и предпринимательству", False),
    ("Комитет по социальной политике", False),
    ("Комитет по экологии, природопользованию, агропромышленной и продовольственной политике",
     False),
    ("Комитет по государственному строительству и местному самоуправлению", False),
    ("Комитет по образованию, культуре, науке и национальным вопросам", False),
    ("Комитет по жилищной политике и инфраструктурному развитию", False),
    ("Комитет по бюджету, налогам и финансам", False),
    ("Комитет по законности и правопорядку", False),
)


class DepartmentError(UserError):
    """A domain error shown to the person."""


def _clean_name(name: str) -> str:
    """The name with its spaces collapsed; refused when it shows nothing (invisible marks only)."""
    name = " ".join((name or "").split())
    if is_blank(name):
        raise DepartmentError("Укажите название")
    return name


def _name_taken(name: str, exclude_id: int | None = None) -> bool:
    # Compared in Python: SQLite's lower() folds only ASCII, and the names are Cyrillic.
    wanted = name.casefold()
    rows = db.session.execute(select(Department.id, Department.name)).all()
    return any(n.casefold() == wanted and i != exclude_id for i, n in rows)


def _move_triage(dept: Department, is_triage: bool) -> str | None:
    """Exactly one department does the first reading (low-confidence messages go there).

    Marking another department moves the mark to it (returns the name it came from); the mark
    cannot be just taken off, or new messages would have no queue to wait in."""
    current = triage_department()
    if not is_triage:
        if dept.is_triage and (current is None or current.id == dept.id):
            raise DepartmentError("Первичный разбор должен вести одно подразделение: отметьте "
                                  "его у другого подразделения — отметка перейдёт туда")
        return None
    if current is None or current.id == dept.id:
        return None
    current.is_triage = False
    db.session.flush()  # one triage department at any moment (a partial unique index may hold it)
    return current.name


def create_department(name: str, is_triage: bool, actor: User | None) -> Department:
    name = _clean_name(name)
    if _name_taken(name):
        raise DepartmentError("Подразделение с таким названием уже есть")
    dept = Department(name=name, is_triage=False)
    moved_from = _move_triage(dept, is_triage)
    dept.is_triage = is_triage
    db.session.add(dept)
    db.session.flush()
    record("department_created", actor=actor, object_type="department", object_id=str(dept.id),
           details={"name": name, **({"triage_moved_from": moved_from} if moved_from else {})})
    return dept


def update_department(dept: Department, name: str, is_triage: bool, actor: User) -> None:
    name = _clean_name(name)
    if _name_taken(name, exclude_id=dept.id):
        raise DepartmentError("Подразделение с таким названием уже есть")
    moved_from = _move_triage(dept, is_triage)
    old = dept.name
    dept.name, dept.is_triage = name, is_triage
    db.session.flush()
    record("department_updated", actor=actor, object_type="department", object_id=str(dept.id),
           details={"old_name": old, "name": name, "is_triage": is_triage,
                    **({"triage_moved_from": moved_from} if moved_from else {})})


def set_department_active(dept: Department, active: bool, actor: User) -> None:
    if not active:
        _check_can_close(dept)
    dept.active = active
    db.session.flush()
    record("department_activated" if active else "department_deactivated", actor=actor,
           object_type="department", object_id=str(dept.id))


def _check_can_close(dept: Department) -> None:
    """A department with people at work or open tickets is not switched off: they would be lost."""
    from sqlalchemy import func

    from helpdesk.models.ticket import OPEN_STATUSES, Ticket

    people = db.session.scalar(select(func.count()).select_from(User).where(
        User.department_id == dept.id, User.active.is_(True)))
    tickets = db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.department_id == dept.id, Ticket.status.in_(OPEN_STATUSES)))
    if dept.is_triage:
        raise DepartmentError("Нельзя отключить подразделение первичного разбора")
    if people or tickets:
        raise DepartmentError(
            f"Нельзя отключить: в подразделении {people} активных сотрудников и {tickets} "
            "открытых обращений. Переведите их в другие подразделения.")


def seed_departments() -> int:
    """Create the default departments that are missing; returns how many were created."""
    created = 0
    for name, is_triage in DEFAULT_DEPARTMENTS:
        if not _name_taken(name):
            db.session.add(Department(name=name, is_triage=is_triage))
            created += 1
    db.session.flush()
    return created


def active_departments() -> list[Department]:
    """Departments in use, by name (for choices and lists)."""
    return list(db.session.scalars(select(Department).where(Department.active.is_(True))
                                   .order_by(Department.name)))


def triage_department() -> Department | None:
    """The department that reads every message first (the oldest one marked, if ever two)."""
    return db.session.scalar(select(Department).where(Department.is_triage.is_(True),
                                                      Department.active.is_(True))
                             .order_by(Department.id).limit(1))
