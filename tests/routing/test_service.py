"""Routing with the database: train, evaluate, route a ticket, learn from a correction."""
import json

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models.routing import (ModelVersion, RoutingDecision, RoutingRule, TopicMapping,
                                     TrainingExample)
from helpdesk.models.setting import set_setting
from helpdesk.routing.cli import routing_cli
from helpdesk.routing.defaults import default_setup
from helpdesk.routing.service import THRESHOLD_KEY, TATAR_DEPARTMENT_KEY, stored_examples
from tests.routing.conftest import route_text


def test_cli_train_and_evaluate(app, training_csv, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "model.joblib"
    result = runner.invoke(routing_cli, ["train", "--data", str(training_csv), "--text-column",
                                         "text", "--label-column", "topic", "--out", str(out)])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "model.joblib.json").read_text())
    assert meta["n_examples"] == 24 and meta["labels"] == ["Дороги", "ЖКХ", "Здравоохранение"]
    with app.app_context():
        assert db.session.scalar(select(ModelVersion.active)) is True
    result = runner.invoke(routing_cli, ["evaluate", "--data", str(training_csv), "--label-column",
                                         "topic", "--model", str(out)])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert set(scores) >= {"n", "accuracy", "macro_f1", "coverage_at_95_precision", "per_label"}
    assert scores["n"] == 24 and scores["accuracy"] >= 0.9
    assert scores["per_label"]["Дороги"]["support"] == 8


def test_cli_cross_validation_on_fixture(app, training_csv):
    result = app.test_cli_runner().invoke(routing_cli, [
        "evaluate", "--data", str(training_csv), "--label-column", "topic", "--cv", "3"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["n"] == 24 and scores["folds"] == 3
    assert 0.5 <= scores["accuracy"] <= 1.0  # three clearly different topics


def test_cli_rejects_a_missing_column(app, training_csv):
    result = app.test_cli_runner().invoke(routing_cli, [
        "evaluate", "--data", str(training_csv), "--label-column", "nope"])
    assert result.exit_code != 0


def test_route_ticket_to_department_with_explanation(routed_setup):
    ticket, row = route_text(routed_setup, "В поликлинике нет врача, к терапевту не записаться. "
                                       "Галиева Светлана Фаритовна, Арский район")
    assert ticket.department_id == routed_setup["social"].id and ticket.status == "assigned"
    assert ticket.topic == "Здравоохранение" and ticket.language == "ru"
    assert ticket.district == "Арский муниципальный район"
    assert ticket.extracted["person"]["full_name"] == "Галиева Светлана Фаритовна"
    assert ticket.extracted["routing"]["candidates"][0]["label"] == "Здравоохранение"
    assert row.to_triage is False and row.model_version and row.confidence >= 0.5
    assert row.candidates[0]["score"] == pytest.approx(ticket.routing_confidence, abs=1e-3) \
        or row.confidence >= row.candidates[0]["score"]


def test_low_confidence_goes_to_triage(routed_setup):
    set_setting(THRESHOLD_KEY, 0.8)
    ticket, row = route_text(routed_setup, "В поликлинике нет горячей воды и ямы на дороге к больнице")
    assert ticket.status == "triage" and ticket.department_id == routed_setup["press"].id
    assert row.to_triage and row.reason == "low_confidence" and len(row.candidates) == 3


def test_tatar_message_goes_to_configured_queue(routed_setup):
    set_setting(TATAR_DEPARTMENT_KEY, routed_setup["tatar"].id)
    ticket, row = route_text(routed_setup, "Исәнмесез! Безнең авылда юл начар, су юк инде. "
                                       "Ярдәм итегез, зинһар.")
    assert ticket.language == "tt" and ticket.department_id == routed_setup["tatar"].id
    assert row.reason == "language"


def test_special_kind_is_flagged_for_a_person(routed_setup):
    ticket, row = route_text(routed_setup, "Огромное спасибо за новую поликлинику в нашем селе!")
    assert ticket.special_kind == "gratitude" and ticket.status == "triage"
    assert row.special_kind == "gratitude"


def test_rerouting_creates_a_training_example(routed_setup):
    from helpdesk.tickets.lifecycle import reroute
    from tests.helpers import make_user

    ticket, _ = route_text(routed_setup, "Ямы на дороге у поликлиники")
    reroute(ticket, make_user("press7", "press"), routed_setup["social"].id)
    example = db.session.scalar(select(TrainingExample))
    assert ticket.department_id == routed_setup["social"].id and ticket.status == "assigned"
    assert example.ticket_id == ticket.id and example.text == "Ямы на дороге у поликлиники"
    assert example.department_id == routed_setup["social"].id
    assert example.label in ("Здравоохранение", "Комитет по социальной политике")
    assert stored_examples() == (["Ямы на дороге у поликлиники"], [example.label])
    mapped = db.session.scalar(select(TopicMapping).where(TopicMapping.topic == example.label))
    assert mapped.department_id == routed_setup["social"].id


def test_default_setup_seeds_rules_and_mapping(ctx):
    from helpdesk.admin.services import seed_departments

    seed_departments()
    summary = default_setup(train=False)
    assert summary["rules"] >= 8 and summary["mappings"] == 15
    rule = db.session.scalar(select(RoutingRule).where(RoutingRule.name == "ЖКХ и дороги"))
    assert "горячий вода" in rule.keywords
    assert default_setup(train=False)["rules"] == 0  # idempotent
    assert db.session.scalar(select(TrainingExample.id)) is None
    assert db.session.scalar(select(RoutingDecision.id)) is None


def test_shipped_mapping_carries_classifier_codes(ctx):
    """Every shipped topic reports a real code of the thematic classifier (ССТУ); an install
    seeded before the codes existed gets them on the next seed."""
    import csv
    from pathlib import Path

    from helpdesk.admin.services import seed_departments
    from helpdesk.models.routing import TopicMapping

    seed_departments()
    default_setup(train=False)
    data = Path(__file__).resolve().parents[2] / "helpdesk/routing/data/thematic-classifier.csv"
    with open(data, encoding="utf-8") as fh:
        known = {row["code"] for row in csv.DictReader(fh)}
    rows = db.session.scalars(select(TopicMapping)).all()
    assert rows and all(r.topic_code in known for r in rows)
    roads = next(r for r in rows if r.topic == "Дороги")
    roads.topic_code = None
    db.session.flush()
    default_setup(train=False)
    assert roads.topic_code == "0003.0009.0099.0742"


def test_seed_gives_untouched_shipped_rules_the_current_keywords(ctx):
    """A rule still carrying the keywords it was first shipped with gets the current ones; a
    rule an administrator edited is left as it is."""
    from helpdesk.admin.services import seed_departments
    from helpdesk.routing.defaults import FIRST_SHIPPED, lemmatise_keywords

    seed_departments()
    default_setup(train=False)
    rules = {r.name: r for r in db.session.scalars(select(RoutingRule))}
    social, economy = rules["Социальная сфера"], rules["Экономика и бизнес"]
    assert "инвалид" not in social.keywords and "рынок" not in economy.keywords
    social.keywords = lemmatise_keywords(FIRST_SHIPPED["Социальная сфера"])  # an older install
    economy.keywords = lemmatise_keywords(FIRST_SHIPPED["Экономика и бизнес"]) + ["ярмарка"]
    db.session.flush()
    assert default_setup(train=False)["rules"] == 0
    assert "инвалид" not in social.keywords and "врач" in social.keywords
    assert "рынок" in economy.keywords and "ярмарка" in economy.keywords  # edited: kept
