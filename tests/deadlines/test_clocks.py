"""Due times of both clocks, the last-day rules, extension and urgency."""
from datetime import timezone

import pytest

from helpdesk.deadlines.clocks import (
    badge, compute_due, format_minutes, urgency, working_time_left,
)
from helpdesk.deadlines.policy import AppealPolicy, MessagePolicy, Policies
from tests.deadlines.helpers import RT, msk, show

PRECEDING = Policies()
FOLLOWING = Policies(appeal=AppealPolicy(last_day_rule="following"))


def appeal(received, registered=None, extended=0, policies=PRECEDING):
    return compute_due("appeal", msk(received), msk(registered) if registered else None,
                       extended, policies, RT)


@pytest.mark.parametrize("received, first, answer", [
    ("2026-04-06 10:00", "2026-04-06 18:00", "2026-04-15 18:00"),
    ("2026-03-19 12:00", "2026-03-23 12:00", "2026-03-31 18:00"),  # Ураза in between
    ("2025-12-30 14:00", "2026-01-12 13:00", "2026-01-20 18:00"),  # New Year break
    ("2026-04-04 23:00", "2026-04-06 17:00", "2026-04-14 18:00"),  # Saturday: Monday is day 1
])
def test_message_clock(received, first, answer):
    clocks = compute_due("message", msk(received), None, 0, PRECEDING, RT)
    assert (show(clocks.first_response_due), show(clocks.answer_due)) == (first, answer)
    assert clocks.registration_due is None and clocks.forward_due is None


def test_message_policy_is_configurable():
    policies = Policies(message=MessagePolicy(first_response_hours=4, answer_working_days=1))
    clocks = compute_due("message", msk("2026-04-06 16:00"), None, 0, policies, RT)
    assert (show(clocks.first_response_due), show(clocks.answer_due)) == (
        "2026-04-07 11:00", "2026-04-07 18:00")


@pytest.mark.parametrize("policies, received, due", [
    (PRECEDING, "2026-04-06 10:00", "2026-04-09 18:00"),  # Thursday: no shift
    (PRECEDING, "2025-06-03 10:00", "2025-06-05 17:00"),  # 6 June Курбан → short eve
    (FOLLOWING, "2025-06-03 10:00", "2025-06-09 18:00"),
    (PRECEDING, "2026-04-02 10:00", "2026-04-03 18:00"),  # Sunday → Friday
    (FOLLOWING, "2026-04-02 10:00", "2026-04-06 18:00"),  # Sunday → Monday
])
def test_registration_due(policies, received, due):
    clocks = appeal(received, policies=policies)
    assert show(clocks.registration_due) == due
    assert clocks.answer_due is None and clocks.forward_due is None


@pytest.mark.parametrize("policies, registered, answer", [
    (PRECEDING, "2026-09-01 10:00", "2026-10-01 18:00"),  # a working Thursday
    (PRECEDING, "2026-02-18 10:00", "2026-03-19 17:00"),  # 20 March Ураза → short eve
    (FOLLOWING, "2026-02-18 10:00", "2026-03-23 18:00"),
    (PRECEDING, "2025-04-02 10:00", "2025-04-30 17:00"),  # 2 May transfer
    (FOLLOWING, "2025-04-02 10:00", "2025-05-05 18:00"),
    (PRECEDING, "2025-12-02 10:00", "2025-12-30 18:00"),  # 1 January
    (FOLLOWING, "2025-12-02 10:00", "2026-01-12 18:00"),
    (PRECEDING, "2025-07-31 10:00", "2025-08-29 17:00"),  # 30 August (Saturday)
    (FOLLOWING, "2025-07-31 10:00", "2025-09-01 18:00"),
])
def test_answer_due_last_day_rules(policies, registered, answer):
    assert show(appeal(registered, registered, policies=policies).answer_due) == answer


@pytest.mark.parametrize("policies, registered, forward", [
    (PRECEDING, "2025-10-27 10:00", "2025-11-01 17:00"),  # 3 Nov → the working Saturday
    (FOLLOWING, "2025-10-27 10:00", "2025-11-05 17:00"),  # → eve of 6 November
    (PRECEDING, "2026-04-01 10:00", "2026-04-08 18:00"),
])
def test_forward_due(policies, registered, forward):
    assert show(appeal(registered, registered, policies=policies).forward_due) == forward


def test_terms_count_moscow_dates_not_utc_dates():
    # 21:30 UTC on 2 April is already 3 April in Kazan.
    registered = msk("2026-04-03 00:30").astimezone(timezone.utc)
    clocks = compute_due("appeal", registered, registered, 0, PRECEDING, RT)
    assert show(clocks.forward_due) == "2026-04-10 18:00"


@pytest.mark.parametrize("policies, days, answer", [
    (PRECEDING, 10, "2026-03-30 18:00"),
    (PRECEDING, 30, "2026-04-17 18:00"),  # 19 April is a Sunday
    (FOLLOWING, 30, "2026-04-20 18:00"),
])
def test_extension(policies, days, answer):
    clocks = appeal("2026-02-18 10:00", "2026-02-18 10:00", days, policies)
    assert show(clocks.answer_due) == answer
    assert clocks.extended_until == clocks.answer_due


def test_no_extension_leaves_extended_until_empty():
    assert appeal("2026-02-18 10:00", "2026-02-18 10:00").extended_until is None


@pytest.mark.parametrize("kind, extended", [("appeal", 31), ("appeal", -1), ("letter", 0)])
def test_refuses_bad_clock_input(kind, extended):
    with pytest.raises(ValueError):
        compute_due(kind, msk("2026-02-18 10:00"), msk("2026-02-18 10:00"), extended,
                    PRECEDING, RT)


def test_every_due_time_is_utc():
    clocks = appeal("2026-02-18 10:00", "2026-02-18 10:00", 5)
    for value in clocks.as_dict().values():
        assert value.tzinfo is not None and value.utcoffset().total_seconds() == 0


DUE = msk("2026-04-06 18:00")


@pytest.mark.parametrize("due, now, left, state", [
    (DUE, "2026-04-06 10:00", 480, "ok"),
    (DUE, "2026-04-06 16:30", 90, "soon"),
    (DUE, "2026-04-06 18:00", 0, "overdue"),
    (DUE, "2026-04-07 10:00", -60, "overdue"),
    (DUE, "2026-04-03 17:30", 570, "ok"),
    (msk("2026-04-06 10:00"), "2026-04-03 20:00", 60, "soon"),  # the weekend does not count
])
def test_working_time_left_and_urgency(due, now, left, state):
    assert working_time_left(due, msk(now), RT) == left
    assert urgency(due, msk(now), RT) == state


def test_urgency_without_due():
    assert urgency(None, msk("2026-04-06 10:00"), RT) == "none"


@pytest.mark.parametrize("now, label, colour", [
    ("2026-04-06 10:00", "В срок", "success"),
    ("2026-04-06 17:00", "Срок истекает", "warning"),
    ("2026-04-07 10:00", "Просрочено", "danger"),
])
def test_badge(now, label, colour):
    got = badge(DUE, msk(now), RT)
    assert (got["label"], got["colour"], got["due_local"]) == (label, colour, "06.04.2026 18:00")


@pytest.mark.parametrize("minutes, text", [
    (0, "0 мин"), (45, "45 мин"), (60, "1 ч"), (125, "2 ч 5 мин"), (540, "1 дн."),
    (605, "1 дн. 1 ч 5 мин"), (-90, "−1 ч 30 мин"),
])
def test_format_minutes(minutes, text):
    assert format_minutes(minutes) == text


def test_policy_params_round_trip_and_validation():
    assert AppealPolicy.from_params(AppealPolicy(answer_days=20).to_params()).answer_days == 20
    stale = MessagePolicy.from_params({"first_response_hours": 4, "stale": 1})
    assert stale.first_response_hours == 4
    with pytest.raises(ValueError):
        AppealPolicy.from_params({"last_day_rule": "nearest"})
    with pytest.raises(ValueError):
        MessagePolicy.from_params({"first_response_hours": 0})
