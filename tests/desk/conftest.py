"""Fixtures of the desk tests."""
import pytest

from tests.desk.world import build_world
from tests.helpers import login


@pytest.fixture
def world(ctx):
    """The desk world, committed (requests see it)."""
    return build_world()


@pytest.fixture
def signed_in(app):
    """signed_in(username) → a test client signed in through the real form."""
    def make(username):
        client = app.test_client()
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client
    return make
