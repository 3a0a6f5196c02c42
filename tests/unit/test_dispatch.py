"""Background work is dispatched by name: an unknown name is a programming error that fails where
it is dispatched, not later in the commit hook (where it broke the worker's transaction)."""
import pytest

from helpdesk.background.tasks import dispatch


def test_an_unknown_task_name_fails_at_the_dispatch(ctx):
    with pytest.raises(KeyError, match="no.such.task"):
        dispatch("no.such.task", 1)
    dispatch("tickets.route", 1, None)  # registered: accepted (nothing runs in the tests)
