"""Migrations: one head, and `upgrade head` builds exactly the schema of the models."""
import os
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from helpdesk import create_app
from helpdesk.extensions import db

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def test_exactly_one_head():
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


@pytest.fixture
def scratch_url(tmp_path):
    """A database nobody else uses: a new SQLite file or a new PostgreSQL database."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    from helpdesk.config import normalise_db_url

    base = normalise_db_url(base)
    name = f"helpdesk_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_head_equals_models(scratch_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = [d for d in compare_metadata(context, db.metadata) if not _ignored(d)]
        with db.engine.connect() as conn:
            extras = _extra_objects(conn)
        db.engine.dispose()
    assert diff == []
    assert extras >= EXPECTED_EXTRAS[conn.dialect.name]


EXPECTED_EXTRAS = {
    "sqlite": {"ticket_fts", "ix_tickets_due_key", "ticket_fts_message_ai"},
    "postgresql": {"ix_tickets_due_key", "audit_events_no_change", "ticket_search_message"},
}


def _extra_objects(conn) -> set[str]:
    """Names of the tables, indexes and triggers that exist beside the models' own."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name FROM sqlite_master"))
    else:
        rows = conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' "
            "UNION SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
    return {row[0] for row in rows}


def _ignored(diff) -> bool:
    """Objects that live only in migrations by design (full-text search tables and triggers)."""
    op = diff[0] if isinstance(diff, tuple) else None
    if op == "remove_table":  # the SQLite FTS5 table and its shadow tables
        return diff[1].name.startswith("ticket_fts")
    if op == "remove_index":  # an expression index the models attach as DDL
        return diff[1].name in EXPRESSION_INDEXES
    return False


EXPRESSION_INDEXES = {"ix_tickets_due_key"}
