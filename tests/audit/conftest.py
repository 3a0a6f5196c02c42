"""Each test signs in afresh: start it with empty rate-limit counters (all tests share one IP)."""
import pytest

from helpdesk.extensions import limiter


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    with app.app_context():
        limiter.reset()
    yield
