"""Deadline settings take what people type («8,5», «9:00») and say what is wrong otherwise."""
from helpdesk.deadlines import store
from tests.helpers import post_form


def _message_policy(client, hours: str, days: str):
    return post_form(client, "/settings/deadlines", "/settings/deadlines",
                     {"form": "message", "m-first_response_hours": hours,
                      "m-answer_working_days": days})


def test_comma_decimal_and_short_hour_are_accepted(world, signed_in):
    client = signed_in("admin")
    assert _message_policy(client, "8,5", "7").status_code == 302
    assert float(store.load_policies().message.first_response_hours) == 8.5
    r = post_form(client, "/settings/deadlines", "/settings/deadlines",
                  {"form": "hours", "h-start": "9:00", "h-end": "18:00"})
    assert r.status_code == 302


def test_wrong_numbers_name_the_problem(world, signed_in):
    client = signed_in("admin")
    page = _message_policy(client, "0", "abc").get_data(as_text=True)
    assert "Допустимо от 0,25 до 168 ч" in page and "Неверное целое число" in page
    assert "Обязательное поле" not in page
    page = _message_policy(client, "", "7").get_data(as_text=True)
    assert "Укажите число" in page


def test_not_a_number_is_refused_not_a_500(world, signed_in):
    """Decimal reads «sNaN», «NaN» and «Infinity»; none of them is an hour count."""
    client = signed_in("admin")
    before = store.load_policies().message.first_response_hours
    for value in ("sNaN", "NaN", "Infinity", "-inf"):
        response = _message_policy(client, value, "7")
        assert response.status_code == 400, value
        assert "Укажите число" in response.get_data(as_text=True)
    assert store.load_policies().message.first_response_hours == before



def test_a_working_day_shorter_than_two_hours_is_refused(world, signed_in):
    client = signed_in("admin")
    page = post_form(client, "/settings/deadlines", "/settings/deadlines",
                     {"form": "hours", "h-start": "09:00", "h-end": "09:30"})
    assert page.status_code == 400
    assert "не короче 2 часов" in page.get_data(as_text=True)
    calendar = store.load_calendar()
    assert (calendar.start.hour, calendar.end.hour, calendar.end.minute) != (9, 9, 30)
