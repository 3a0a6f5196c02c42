"""The admin's routing pages: threshold, Tatar queue, automatic closing, rules, topics, models."""
import csv
import re

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import AuditEvent
from helpdesk.models.routing import ModelVersion, RoutingRule, TopicMapping
from helpdesk.models.setting import get_setting
from helpdesk.routing import configuration, service
from helpdesk.routing.service import load_rules, route_texts, routing_config
from helpdesk.background.tasks import run_task
from tests.helpers import csrf_from, login, make_user, post_form
from tests.routing.conftest import TRAINING_ROWS, route_text


@pytest.fixture
def admin_client(routed_setup, client):
    make_user("boss", "admin")
    make_user("press1", "press")
    db.session.commit()
    login(client, "boss")
    return client


def _post(client, page, data):
    return post_form(client, page, page, data)


def test_only_admins_see_the_routing_pages(routed_setup, app):
    make_user("press2", "press")
    db.session.commit()
    client = app.test_client()
    login(client, "press2")
    for url in ("/settings/routing", "/settings/routing/rules", "/settings/routing/topics"):
        assert client.get(url).status_code == 403


def test_threshold_tatar_queue_and_auto_close_are_saved(admin_client, routed_setup):
    page = admin_client.get("/settings/routing").get_data(as_text=True)
    assert "Маршрутизация" in page and "Переобучить модель" in page and "действует" in page
    # A text box that keeps the comma (type="number" drops it in some locales), shown with one.
    assert re.search(r'<input[^>]*id="threshold"[^>]*inputmode="decimal"[^>]*type="text"[^>]*'
                     r'value="0,5"', page)
    response = _post(admin_client, "/settings/routing", {
        "threshold": "0,75", "tatar_department_id": str(routed_setup["tatar"].id),
        "auto_close": ["gratitude", "spam"]})
    assert response.status_code == 302
    db.session.expire_all()
    assert configuration.current_settings() == configuration.RoutingSettings(
        0.75, routed_setup["tatar"].id, ("gratitude", "spam"))
    assert routing_config().threshold == 0.75
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "routing_settings_saved"))
    assert event.details["changed"]["threshold"] == [0.5, 0.75]
    html = admin_client.get("/audit/").get_data(as_text=True)
    assert ("изменено: порог 0,5 → 0,75; татарские сообщения — → Татароязычные обращения; "
            "закрывать без сотрудника — → Благодарность (не является обращением), "
            "Спам или реклама") in html
    assert "Настройка маршрутизации" in html


@pytest.mark.parametrize("value", ["abc", "1.5", "-0.1", "sNaN", "nan", "inf", ""])
def test_a_bad_threshold_is_refused_and_nothing_changes(admin_client, value):
    response = _post(admin_client, "/settings/routing",
                     {"threshold": value, "tatar_department_id": "0"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Порог" in body or "Укажите" in body
    assert body.count('<div class="invalid-feedback">') == 1  # one message, not two
    db.session.expire_all()
    assert get_setting(service.THRESHOLD_KEY) == 0.5


def test_a_rule_is_stored_as_lemmas_and_matches_any_form(admin_client, routed_setup):
    response = _post(admin_client, "/settings/routing/rules", {
        "name": "Пенсии", "department_id": str(routed_setup["social"].id),
        "keywords": "пенсии\nгорячей воды, Пособием", "weight": "0,4", "active": "y"})
    assert response.status_code == 302
    rule = db.session.scalar(select(RoutingRule).where(RoutingRule.name == "Пенсии"))
    assert rule.keywords == ["пенсия", "горячий вода", "пособие"] and rule.weight == 0.4
    routed = route_texts(["Мне не начислили пенсию и не дают пособия"], load_rules(),
                         routing_config(), None)[0]
    matched = routed.decision.matched_rules
    assert matched and matched[0]["name"] == "Пенсии"
    assert set(matched[0]["keywords"]) == {"пенсия", "пособие"}
    page = admin_client.get("/settings/routing/rules").get_data(as_text=True)
    assert "горячий вода" in page and "0,40" in page


def test_a_rule_without_words_or_department_is_refused(admin_client, routed_setup):
    for data in ({"name": "Пусто", "department_id": str(routed_setup["social"].id),
                  "keywords": " , ;\n", "weight": "0.3"},
                 {"name": "Нет отдела", "department_id": "999999", "keywords": "пенсия",
                  "weight": "0.3"},
                 {"name": "Вес", "department_id": str(routed_setup["social"].id),
                  "keywords": "пенсия", "weight": "7"}):
        assert _post(admin_client, "/settings/routing/rules", data).status_code == 400
    assert db.session.scalar(select(RoutingRule).where(
        RoutingRule.name.in_(["Пусто", "Нет отдела", "Вес"]))) is None


def test_a_rule_can_be_switched_off(admin_client, routed_setup):
    rule = RoutingRule(department_id=routed_setup["social"].id, name="Выкл", keywords=["пенсия"])
    db.session.add(rule)
    db.session.commit()
    page = admin_client.get("/settings/routing/rules").get_data(as_text=True)
    admin_client.post(f"/settings/routing/rules/{rule.id}/toggle",
                      data={"csrf_token": csrf_from(page)})
    db.session.expire_all()
    assert db.session.get(RoutingRule, rule.id).active is False
    assert all(r.name != "Выкл" for r in load_rules())


def test_a_topic_moves_to_another_department_and_routing_follows(admin_client, routed_setup):
    mapping = db.session.scalar(select(TopicMapping).where(TopicMapping.topic == "Дороги"))
    url = f"/settings/routing/topics/{mapping.id}"
    response = _post(admin_client, url, {"topic": "Дороги",
                                         "department_id": str(routed_setup["social"].id),
                                         "topic_code": "0003.0009.0099.0742"})
    assert response.status_code == 302
    ticket, _ = route_text(routed_setup, "Огромные ямы на дороге, асфальт разбит, нужен ремонт")
    assert ticket.topic == "Дороги" and ticket.department_id == routed_setup["social"].id
    assert ticket.topic_code == "0003.0009.0099.0742"
    # A second mapping of the same topic and a malformed code are refused.
    assert _post(admin_client, "/settings/routing/topics", {
        "topic": "Дороги", "department_id": str(routed_setup["housing"].id)}).status_code == 400
    assert _post(admin_client, url, {"topic": "Дороги", "department_id": str(
        routed_setup["housing"].id), "topic_code": "дороги"}).status_code == 400


def test_deleting_a_topic_sends_its_messages_to_triage(admin_client, routed_setup):
    mapping = db.session.scalar(select(TopicMapping).where(TopicMapping.topic == "Дороги"))
    page = admin_client.get("/settings/routing/topics").get_data(as_text=True)
    admin_client.post(f"/settings/routing/topics/{mapping.id}/delete",
                      data={"csrf_token": csrf_from(page)})
    page = admin_client.get("/settings/routing/topics").get_data(as_text=True)
    assert "Темы действующей модели без подразделения: Дороги" in page
    ticket, row = route_text(routed_setup, "Огромные ямы на дороге, асфальт разбит, нужен ремонт")
    assert ticket.status == "triage" and row.reason == "no_mapping"


def test_an_older_model_can_be_made_active_again(admin_client, routed_setup, tmp_path):
    current = db.session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True)))
    older = tmp_path / "older.joblib"
    older.write_bytes(open(current.path, "rb").read())
    row = ModelVersion(version="older-1", path=str(older), n_examples=24)
    gone = ModelVersion(version="gone-1", path=str(tmp_path / "missing.joblib"), n_examples=1)
    db.session.add_all([row, gone])
    db.session.commit()
    page = admin_client.get("/settings/routing").get_data(as_text=True)
    admin_client.post(f"/settings/routing/models/{row.id}/activate",
                      data={"csrf_token": csrf_from(page)})
    db.session.expire_all()
    assert db.session.get(ModelVersion, row.id).active
    assert not db.session.get(ModelVersion, current.id).active
    admin_client.post(f"/settings/routing/models/{gone.id}/activate",
                      data={"csrf_token": csrf_from(page)})
    db.session.expire_all()
    assert db.session.get(ModelVersion, row.id).active  # a missing file is refused
    assert "Файл этой модели не найден" in admin_client.get("/settings/routing").get_data(
        as_text=True)


def test_retraining_from_the_page_swaps_in_a_new_version(admin_client, routed_setup, tmp_path,
                                                         monkeypatch):
    data = tmp_path / "shipped.csv"
    with open(data, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", service.DEFAULT_LABEL_COLUMN])
        writer.writerows(TRAINING_ROWS * 10)  # enough rows for the confidence's calibration
    monkeypatch.setattr(service, "DEFAULT_DATA", data)
    before = db.session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True)))
    page = admin_client.get("/settings/routing").get_data(as_text=True)
    admin_client.post("/settings/routing/train", data={"csrf_token": csrf_from(page)})
    assert configuration.training_state()["state"] == "queued"
    again = admin_client.post("/settings/routing/train", data={"csrf_token": csrf_from(page)},
                              follow_redirects=True).get_data(as_text=True)
    assert "Модель уже обучается" in again
    run_task("routing.train")  # what the worker (or the in-process pool) runs
    db.session.expire_all()
    state = configuration.training_state()
    active = db.session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True)))
    assert state["state"] == "done" and active.id != before.id
    assert state["version"] == active.version and active.n_examples == 10 * len(TRAINING_ROWS)
    # The version carries the figures of the calibration's out-of-fold predictions.
    assert active.scores["method"] == "3-fold" and active.scores["n"] == 240
    assert 0.9 <= active.scores["accuracy"] <= 1.0
    page = admin_client.get("/settings/routing").get_data(as_text=True)
    assert f"версия {active.version}" in page


def test_a_failed_training_keeps_the_model_and_says_why(admin_client, routed_setup, tmp_path,
                                                        monkeypatch):
    broken = tmp_path / "broken.csv"
    broken.write_text("нет,нужных,колонок\n1,2,3\n", encoding="utf-8")
    monkeypatch.setattr(service, "DEFAULT_DATA", broken)
    before = db.session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True)))
    configuration.request_training(None)
    db.session.commit()
    run_task("routing.train")
    db.session.expire_all()
    assert configuration.training_state()["state"] == "failed"
    assert db.session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True))).id == \
        before.id
    assert "Последнее обучение не удалось" in admin_client.get("/settings/routing").get_data(
        as_text=True)


def test_a_rule_of_words_found_everywhere_is_refused(admin_client, routed_setup):
    response = _post(admin_client, "/settings/routing/rules", {
        "name": "Мусор", "department_id": str(routed_setup["social"].id),
        "keywords": "и\nв\nна", "weight": "0,3", "active": "y"})
    assert response.status_code == 400
    assert "Слишком общие слова: и, в, на" in response.get_data(as_text=True)
    assert db.session.scalar(select(RoutingRule).where(RoutingRule.name == "Мусор")) is None


def test_errors_stand_under_their_field(admin_client, routed_setup):
    response = _post(admin_client, "/settings/routing/topics", {
        "topic": "Новая тема", "department_id": str(routed_setup["social"].id),
        "topic_code": "дороги"})
    body = response.get_data(as_text=True)
    code_field = body[body.index('id="topic_code"'):]
    assert "Код классификатора — как" in code_field[:600]


def test_a_topic_differing_only_in_case_or_spaces_is_the_same_topic(admin_client, routed_setup):
    for topic in ("дороги", "  Дороги  ", "ДОРОГИ"):
        response = _post(admin_client, "/settings/routing/topics", {
            "topic": topic, "department_id": str(routed_setup["social"].id)})
        assert response.status_code == 400, topic
        assert "Тема «Дороги» уже сопоставлена" in response.get_data(as_text=True)


def test_model_versions_show_corrections_and_department_figures_before_and_after(admin_client):
    from datetime import datetime, timezone

    from helpdesk.models.routing import ModelVersion

    at = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    db.session.add_all([
        ModelVersion(version="v1", path="/nowhere/v1", trained_at=at, n_examples=1999,
                     scores={"accuracy": 0.83, "corrections": 0,
                             "department": {"accuracy": 0.91, "coverage_at_95_precision": 0.6}}),
        ModelVersion(version="v2", path="/nowhere/v2", trained_at=at, n_examples=2040,
                     active=True,
                     scores={"accuracy": 0.84, "corrections": 41,
                             "department": {"accuracy": 0.935, "coverage_at_95_precision": 0.8}}),
    ])
    db.session.commit()
    page = admin_client.get("/settings/routing").get_data(as_text=True)
    assert "обучена с учётом <strong>41</strong> исправлений сотрудников" in page
    assert "91,0 % → 93,5 %" in page and "60,0 % → 80,0 %" in page  # v1 before, v2 after
    assert "84,0 %" in page
