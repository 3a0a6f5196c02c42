"""Canned responses: who sees and edits which, saving, searching and the seeded set.

Shared responses (no owner) are written by press staff and administrators; anyone who writes
(press, specialists, administrators) keeps personal ones, seen by nobody else. Services flush
and audit; the request commits (helpdesk.web.boundary).
"""
from sqlalchemy import or_, select

from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.models.canned import CannedResponse
from helpdesk.models.department import Department
from helpdesk.models.user import Role, User
from helpdesk.settings.canned_seed import SEED
from helpdesk.settings.services import SettingsError, placeholder_error

SHARED_WRITERS = (Role.ADMIN, Role.PRESS)
MAX_SEARCH = 100


def can_write_shared(user: User) -> bool:
    return user.role in SHARED_WRITERS


def visible_condition(user: User):
    """WHERE condition of the canned responses `user` may see in settings: shared and own."""
    return or_(CannedResponse.owner_id.is_(None), CannedResponse.owner_id == user.id)


def can_edit(user: User, canned: CannedResponse) -> bool:
    """Own personal responses; shared ones for press staff and administrators."""
    if canned.owner_id is not None:
        return canned.owner_id == user.id
    return can_write_shared(user)


def listed_for(user: User, query: str = "") -> list[CannedResponse]:
    """The settings list: shared and own personal responses matching `query` (title or text)."""
    rows = db.session.scalars(select(CannedResponse).where(visible_condition(user))
                              .order_by(CannedResponse.owner_id.is_(None), CannedResponse.title)
                              ).all()
    return matching(rows, query)


def matching(rows: list, query: str) -> list:
    """Rows whose title or text contains every word of `query`, case-free (Cyrillic included:
    compared in Python, SQLite's lower() folds ASCII only)."""
    words = (query or "").casefold().split()
    if not words:
        return list(rows)
    return [r for r in rows if all(w in f"{r.title}\n{r.body}".casefold() for w in words)]


def save_canned(canned: CannedResponse | None, actor: User, title: str, body: str,
                department_id: int | None, active: bool, personal: bool) -> CannedResponse:
    """Create or update a canned response; titles are unique among the shared ones and among
    one owner's personal ones. A specialist's responses are always personal."""
    title = (title or "").strip()
    body = (body or "").strip()
    if not title or not body:
        raise SettingsError("Заполните название и текст шаблона")
    error = placeholder_error(body)
    if error:
        raise SettingsError(error)
    if canned is not None and not can_edit(actor, canned):
        raise SettingsError("Этот шаблон вам изменить нельзя")
    if not personal and not can_write_shared(actor):
        raise SettingsError("Общие шаблоны ведут пресс-служба и администраторы: "
                            "сохраните шаблон как личный")
    if department_id and db.session.get(Department, department_id) is None:
        raise SettingsError("Подразделение не найдено")
    owner_id = actor.id if personal else None
    clash = db.session.scalar(select(CannedResponse.id).where(
        CannedResponse.title == title,
        CannedResponse.owner_id.is_(None) if owner_id is None
        else CannedResponse.owner_id == owner_id))
    if clash is not None and (canned is None or clash != canned.id):
        raise SettingsError("Шаблон с таким названием уже есть"
                            + (" среди ваших личных" if personal else " среди общих"))
    if canned is None:
        canned = CannedResponse()
        db.session.add(canned)
    canned.title, canned.body, canned.owner_id = title, body, owner_id
    canned.department_id, canned.active = department_id or None, active
    db.session.flush()
    record("canned_saved", actor=actor, object_type="canned_response", object_id=str(canned.id),
           details={"personal": personal})
    return canned


def seed_canned() -> int:
    """Add the seeded shared responses that are missing by title (idempotent: an edited or
    switched-off one is left as it is); returns how many were added."""
    existing = set(db.session.scalars(select(CannedResponse.title).where(
        CannedResponse.owner_id.is_(None))))
    added = 0
    for title, body in SEED:
        if title not in existing:
            db.session.add(CannedResponse(title=title, body=body, active=True))
            added += 1
    db.session.flush()
    return added
