"""Search finds a word in any case even where Snowball cuts the forms of one noun differently."""
import pytest

from helpdesk.extensions import db
from helpdesk.tickets.stemming import other_stem_forms, stem
from tests.desk.test_queues import numbers
from tests.desk.world import add_ticket


@pytest.mark.parametrize("query,text", [
    ("траншея", "Третий месяц не закапывают траншеи у дома"),
    ("траншеи", "Посреди двора вырыта траншея"),
    ("траншею", "Вдоль школы тянется траншея"),
    ("свалка", "Вывезите мусор: рядом с деревней пять свалок"),
    ("свалок", "За гаражами стихийная свалка"),
    ("лицей", "Ремонт крыши лицея затянулся"),
])
def test_noun_found_in_another_case(world, query, text):
    w = world
    wanted = add_ticket(w.channel, w.social, text=text)
    add_ticket(w.channel, w.social, text="Во дворе нет освещения")  # never matches
    db.session.commit()
    assert numbers(w.users["press"], q=query) == {wanted.number}


def test_other_forms_share_the_beginning():
    assert stem("траншея") != stem("траншеи")
    assert [stem(f) for f in other_stem_forms("траншея")] == [stem("траншеи")]
    assert other_stem_forms("дорога") == ()  # every form has the same stem already
    assert other_stem_forms("2024") == () and other_stem_forms("road") == ()


def test_registered_applicant_name_is_searchable(world):
    """A 59-ФЗ appeal is registered under the applicant's own name, which the social profile
    ("VK id…") does not carry; search finds it in any case, and follows a correction."""
    w = world
    ticket = add_ticket(w.channel, w.social, text="Прошу помочь с ремонтом крыши", name="VK id7000011")
    add_ticket(w.channel, w.social, text="Во дворе нет освещения", name="Айдар Сафин")
    db.session.commit()
    assert numbers(w.users["press"], q="Гарипова") == set()
    ticket.applicant_name = "Гарипов Рустам Ильдарович"
    db.session.commit()
    assert numbers(w.users["press"], q="Гарипова") == {ticket.number}
    assert numbers(w.users["press"], q="рустам ильдарович") == {ticket.number}
    ticket.applicant_name = "Сафина Алсу"
    db.session.commit()
    assert numbers(w.users["press"], q="Гарипов") == set()
