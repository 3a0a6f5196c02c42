"""PostgreSQL objects that keep audit_events append-only (installed by create_all).

A row trigger refuses UPDATE and DELETE; TRUNCATE (used by the test suite to empty tables)
is a statement-level operation that a row trigger does not see, on purpose.
"""
from sqlalchemy import DDL, event

from helpdesk.models.audit import AuditEvent

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""
TRIGGER_SQL = """
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
"""
DOWNGRADE_SQL = """
DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events;
DROP FUNCTION IF EXISTS audit_events_append_only();
"""

_installed = False


def install() -> None:
    """Attach the DDL to the table once (idempotent)."""
    global _installed
    if _installed:
        return
    table = AuditEvent.__table__
    function = DDL(FUNCTION_SQL.replace("%", "%%"))  # DDL() formats with %
    event.listen(table, "after_create", function.execute_if(dialect="postgresql"))
    event.listen(table, "after_create", DDL(TRIGGER_SQL).execute_if(dialect="postgresql"))
    _installed = True
