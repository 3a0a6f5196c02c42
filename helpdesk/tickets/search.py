"""Russian full-text search over message text and citizen names (tsvector or FTS5)."""
import json
import time

from sqlalchemy import ColumnElement, Integer, any_, bindparam, column, func, select, text

from helpdesk.extensions import db
from helpdesk.models.search import TicketSearch
from helpdesk.models.ticket import Ticket
from helpdesk.util.text import words
from helpdesk.tickets.stemming import fts5_query, pg_tsquery_text
from helpdesk.errors import UserError

MAX_QUERY_LENGTH = 200


class SearchError(UserError):
    """A query that cannot be searched (shown to the person in Russian)."""


def clean_query(query: str | None) -> str:
    """The query trimmed; raises SearchError when it is too long or has no words."""
    query = (query or "").strip()
    if not query:
        return ""
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchError(f"Запрос длиннее {MAX_QUERY_LENGTH} символов")
    if not words(query):
        raise SearchError("В запросе нет слов для поиска")
    return query


def search_plan(query: str) -> tuple[str, str]:
    """(plan, terms) of a search: how its condition is shaped and the text it binds.

    Plans: "fts5" (SQLite), "rare" or "walk" (PostgreSQL, by the planner's estimate; see below).
    """
    if db.engine.dialect.name == "postgresql":
        terms = pg_tsquery_text(query)
        return ("rare" if is_rare(terms) else "walk"), terms
    return "fts5", fts5_query(query)


def search_clause(plan: str, terms=None) -> ColumnElement[bool]:
    """A WHERE condition on tickets for a search_plan(): every word occurs in the ticket's
    messages or the citizen's name. `terms` is the bound "search_terms" parameter (a named
    bindparam when None, for statements that are compiled once and given the terms later)."""
    terms = bindparam("search_terms", terms, required=False)
    if plan == "fts5":
        rows = select(column("rowid", Integer)).select_from(text("ticket_fts")).where(
            text("ticket_fts MATCH :search_terms").bindparams(terms))
        return Ticket.id.in_(rows)
    match = text("ticket_search.doc @@ to_tsquery('russian', :search_terms)").bindparams(terms)
    matching = select(TicketSearch.ticket_id).where(match)
    if plan == "rare":
        return Ticket.id == any_(func.array(matching.scalar_subquery()))
    return Ticket.id.in_(matching)


def search_condition(query: str) -> ColumnElement[bool]:
    """search_clause() for a query, its plan chosen and its terms bound."""
    return search_clause(*search_plan(query))


# PostgreSQL estimates a word without statistics at 0.5 % of the documents. Up to that share
# the matches are fetched first through the GIN index and the few tickets sorted (rare words,
# no results); above it the newest tickets are walked with a primary-key check each, which
# stops after one page (common words). Set to -1 to always walk, 1 to never walk.
RARE_FRACTION = 0.005
# The planner scales its row estimate to the table's current size while reltuples is the size
# at the last ANALYZE: a word it knows nothing of can come out a hair above 0.5 % (5000 rows
# of 999,958), and walking every ticket for a word that is nowhere takes seconds.
_ROUNDING = 1.01
# The table size only picks the plan shape, so it is read again at most once a minute.
TABLE_SIZE_SECONDS = 60.0
_table_size: dict = {}  # engine url → (reltuples, read at (monotonic))


def _pg_documents() -> float:
    """The planner's count of ticket documents (pg_class.reltuples), cached for a minute."""
    key = str(db.engine.url)
    hit = _table_size.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[1] < TABLE_SIZE_SECONDS:
        return hit[0]
    rows = float(db.session.execute(text(
        "SELECT reltuples FROM pg_class WHERE oid = 'ticket_search'::regclass")).scalar() or 0)
    _table_size[key] = (rows, now)
    return rows


def _pg_estimate(terms: str) -> float:
    """The planner's share of ticket documents matching (0 when the table has no statistics)."""
    rows = _pg_documents()
    if rows <= 0:
        return 0.0
    plan = db.session.execute(text(
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM ticket_search WHERE doc @@ to_tsquery('russian', :q)"
    ).bindparams(bindparam("q", terms))).scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"]) / rows


# A search's plan shape is kept for the same minute: paging through the results or the list's
# refresh asks again for the same words, and the estimate is a round trip of its own.
PLAN_SECONDS = 60.0
_PLANS_KEPT = 2048
_plans: dict = {}  # (engine url, terms) → (the planner's share, estimated at (monotonic))


def is_rare(terms: str) -> bool:
    """True when the planner expects few enough matches to fetch them all through the index."""
    key = (str(db.engine.url), terms)
    now = time.monotonic()
    hit = _plans.get(key)
    if hit is not None and now - hit[1] < PLAN_SECONDS:
        share = hit[0]
    else:
        share = _pg_estimate(terms)
        if len(_plans) >= _PLANS_KEPT:
            _plans.clear()
        _plans[key] = (share, now)
    return share <= RARE_FRACTION * _ROUNDING
