"""Comments under posts run on the message clock unless the comment policy gives them terms of
their own."""
import pytest

from helpdesk.deadlines.clocks import compute_due
from helpdesk.deadlines.policy import CommentPolicy, MessagePolicy, Policies
from tests.deadlines.helpers import RT, msk, show

OWN = CommentPolicy(follow_message=False, first_response_hours=2, answer_working_days=1)


@pytest.mark.parametrize("policies, first, answer", [
    (Policies(), "2026-04-06 18:00", "2026-04-15 18:00"),  # the message clock
    (Policies(message=MessagePolicy(4, 2)), "2026-04-06 14:00", "2026-04-08 18:00"),
    (Policies(comment=OWN), "2026-04-06 12:00", "2026-04-07 18:00"),  # its own terms
    # own numbers stored but switched off: the message clock again
    (Policies(comment=CommentPolicy(True, 2, 1)), "2026-04-06 18:00", "2026-04-15 18:00"),
])
def test_comment_clock(policies, first, answer):
    clocks = compute_due("comment", msk("2026-04-06 10:00"), None, 0, policies, RT)
    assert (show(clocks.first_response_due), show(clocks.answer_due)) == (first, answer)
    assert clocks.registration_due is None and clocks.forward_due is None


@pytest.mark.parametrize("params", [
    {"follow_message": "yes"}, {"first_response_hours": 0}, {"answer_working_days": 61},
])
def test_comment_policy_refuses_bad_values(params):
    with pytest.raises(ValueError):
        CommentPolicy.from_params(params)


def test_comment_policy_round_trip():
    assert CommentPolicy.from_params(OWN.to_params()) == OWN
    assert CommentPolicy.from_params(None) == CommentPolicy()
