"""Department-level evaluation: topics through the live mapping plus the keyword rules, as live
routing decides; cross-validated figures as mean and spread over fold seeds."""
import csv
import json

from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Department
from helpdesk.models.routing import ModelVersion, RoutingRule, TopicMapping
from helpdesk.routing.cli import routing_cli
from helpdesk.routing.evaluation import cross_validate_departments
from helpdesk.routing.labels import clean_label
from helpdesk.routing.decide import RoutingConfig
from helpdesk.routing.rules import make_rule
from tests.routing.conftest import TRAINING_ROWS

HELD_OUT = [
    ("Третью неделю нет горячей воды, управляющая компания молчит", "ЖКХ"),
    ("На дороге через село ямы по колено, асфальт разрушен", "Дороги"),
    ("В поликлинике месяц нельзя попасть к врачу", "Здравоохранение"),
    # A topic the model never saw: only the keyword rule can bring it to its department.
    ("Полиция не приезжает на вызовы, участковый не отвечает", "Правопорядок"),
]


def _csv(tmp_path, rows):
    path = tmp_path / "held_out.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "category_name"])
        writer.writerows(rows)
    return path


def _evaluate(app, path, model_path):
    result = app.test_cli_runner().invoke(routing_cli, [
        "evaluate", "--data", str(path), "--level", "department", "--model", model_path])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_department_level_applies_the_mapping_and_a_rule_overriding_the_model(
        app, routed_setup, tmp_path):
    law = Department(name="Комитет по законности и правопорядку")
    db.session.add(law)
    db.session.flush()
    db.session.add(TopicMapping(topic="Правопорядок", department_id=law.id))
    rule = RoutingRule(department_id=law.id, name="Правопорядок", weight=1.0,
                       keywords=["полиция", "участковый"])
    db.session.add(rule)
    db.session.commit()
    model_path = db.session.scalar(select(ModelVersion.path).where(ModelVersion.active))
    path = _csv(tmp_path, HELD_OUT)

    with_rule = _evaluate(app, path, model_path)
    assert with_rule["n"] == 4 and with_rule["accuracy"] == 1.0
    assert with_rule["top3_hit_rate"] == 1.0
    assert set(with_rule) >= {"coverage_at_95_precision", "auto_routed_share",
                              "auto_routed_accuracy", "threshold"}
    assert with_rule["threshold"] == 0.5

    rule.active = False
    db.session.commit()
    without = _evaluate(app, path, model_path)
    assert without["accuracy"] == 0.75  # the police message goes where the model's topic maps

    # The category level (the default) knows nothing of departments: the unseen topic is wrong.
    result = app.test_cli_runner().invoke(routing_cli, [
        "evaluate", "--data", str(path), "--model", model_path])
    assert json.loads(result.output)["accuracy"] == 0.75


def test_cross_validated_department_figures_have_a_mean_and_spread_over_seeds(routed_setup):
    texts = [t for t, _ in TRAINING_ROWS]
    labels = [label for _, label in TRAINING_ROWS]
    config = RoutingConfig(threshold=0.5, topic_departments={"ЖКХ": 1, "Дороги": 1,
                                                              "Здравоохранение": 2})
    rules = [make_rule(1, 2, "Здоровье", ["врач", "поликлиника"], 1.0)]
    result = cross_validate_departments(texts, labels, rules, config, folds=3, seeds=(0, 1))
    assert result["folds"] == 3 and result["seeds"] == [0, 1] and result["n_unmapped"] == 0
    for level in ("category", "department"):
        accuracy = result[level]["accuracy"]
        assert len(accuracy["per_seed"]) == 2 and accuracy["spread"] >= 0
        assert min(accuracy["per_seed"]) <= accuracy["mean"] <= max(accuracy["per_seed"])
    # ЖКХ and roads share a department: confusing them costs nothing there.
    assert result["department"]["accuracy"]["mean"] >= result["category"]["accuracy"]["mean"]
    assert result["department"]["top3_hit_rate"]["mean"] == 1.0  # two departments only


def test_the_shipped_label_set_has_no_artefacts():
    assert clean_label("Тестовая категория") is None
    assert clean_label("Меры соцподдержки (COVID)", "Социальные льготы") == "Социальная защита"
    assert clean_label("Меры соцподдержки (COVID)", "Меры поддержки в условиях "
                       "неблагоприятной эпидемиологической ситуации в сфере медицины") \
        == "Здравоохранение"
    assert clean_label("Дороги") == "Дороги"
    from helpdesk.routing.defaults import TOPIC_CODES, TOPIC_DEPARTMENTS
    from helpdesk.routing.service import DEFAULT_DATA, read_csv

    _, labels = read_csv(DEFAULT_DATA)
    assert len(labels) == 1999  # the one test row left out
    assert not {"Тестовая категория", "Меры соцподдержки (COVID)"} & set(labels)
    assert set(labels) == set(TOPIC_DEPARTMENTS) == set(TOPIC_CODES)
