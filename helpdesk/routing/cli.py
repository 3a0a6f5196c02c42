"""`flask routing ...`: train, evaluate and set up routing (the same services as live routing)."""
import json
from pathlib import Path

import click
from flask.cli import AppGroup

routing_cli = AppGroup("routing", help="Маршрутизация обращений: обучение и оценка модели.")


@routing_cli.command("train")
@click.option("--data", "data", type=click.Path(exists=True, dir_okay=False), default=None,
              help="CSV с размеченными текстами; без него — поставляемые данные и исправления")
@click.option("--text-column", default="text", show_default=True)
@click.option("--label-column", default="category_name", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Куда сохранить модель (по умолчанию instance/models/)")
@click.option("--cv", default=0, show_default=True, help="Оценить перекрёстной проверкой (k)")
@click.option("--activate/--no-activate", default=True, show_default=True)
def train(data, text_column, label_column, out, cv, activate):
    """Train a model and swap it in atomically."""
    from helpdesk.routing import service

    if data:
        texts, labels = service.read_csv(data, text_column, label_column)
        source = str(data)
    else:
        texts, labels = service.read_csv(service.DEFAULT_DATA, "text", service.DEFAULT_LABEL_COLUMN)
        extra_texts, extra_labels = service.stored_examples()
        texts, labels = texts + extra_texts, labels + extra_labels
        source = f"shipped+{len(extra_texts)} stored examples"
    if not texts:
        raise click.ClickException("нет размеченных примеров")
    from helpdesk.routing.classifier import new_version

    version = new_version()
    path = Path(out) if out else service.models_dir() / f"routing-{version}.joblib"
    try:
        meta = service.fit_and_save(texts, labels, path, cv=cv, source=source, version=version)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if activate:
        service.register_model(path, meta, activate=True)
    click.echo(json.dumps({k: meta[k] for k in ("version", "n_examples", "trained_at")}
                          | {"path": str(path), "active": activate,
                             "cv_scores": _short(meta.get("cv_scores"))}, ensure_ascii=False))


@routing_cli.command("evaluate")
@click.option("--data", "data", type=click.Path(exists=True, dir_okay=False), required=True)
@click.option("--text-column", default="text", show_default=True)
@click.option("--label-column", default="category_name", show_default=True)
@click.option("--model", "model_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Оценить готовую модель на этих данных (иначе — перекрёстная проверка)")
@click.option("--cv", default=5, show_default=True, help="Число блоков перекрёстной проверки")
@click.option("--level", type=click.Choice(["category", "department"]), default="category",
              show_default=True, help="department: через действующее сопоставление тем и правила")
@click.option("--seeds", default="0,1,2", show_default=True,
              help="Зёрна разбиения на блоки (для --level department): среднее и разброс")
def evaluate(data, text_column, label_column, model_path, cv, level, seeds):
    """Print the figures as JSON: per category {n, accuracy, macro_f1, coverage_at_95_precision,
    per_label}; per department (as live routing decides, with the live mapping and rules)
    accuracy, coverage_at_95_precision, auto-routed share and accuracy, top-3 hit rate."""
    from helpdesk.routing import evaluation, service
    from helpdesk.routing.classifier import load_model

    try:
        texts, labels = service.read_csv(data, text_column, label_column)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if not texts:
        raise click.ClickException("нет размеченных примеров")
    if level == "department":
        result = _evaluate_departments(texts, labels, model_path, cv, seeds)
    elif model_path:
        model, _ = load_model(model_path)
        result = evaluation.evaluate_model(model, texts, labels)
    else:
        result = evaluation.cross_validate(texts, labels, folds=cv)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


def _evaluate_departments(texts, labels, model_path, cv, seeds) -> dict:
    from helpdesk.routing import evaluation, service
    from helpdesk.routing.classifier import load_model

    config, rules = service.routing_config(), service.load_rules()
    if not config.topic_departments:
        raise click.ClickException("нет сопоставления тем подразделениям: flask routing setup")
    if model_path:
        model, _ = load_model(model_path)
        truth = [config.topic_departments.get(label) for label in labels]
        return evaluation.department_scores(model, evaluation.prepare(texts), truth, rules, config)
    try:
        seed_list = tuple(int(s) for s in seeds.split(",") if s.strip())
    except ValueError:
        raise click.BadParameter("целые числа через запятую", param_hint="--seeds") from None
    return evaluation.cross_validate_departments(texts, labels, rules, config, folds=cv,
                                                 seeds=seed_list or (0,))


@routing_cli.command("setup")
@click.option("--no-train", is_flag=True, help="Только правила и сопоставление тем")
def setup(no_train):
    """Seed default keyword rules and topic mapping; train the default model if none is active."""
    from helpdesk.routing.defaults import default_setup

    summary = default_setup(train=not no_train)
    click.echo(json.dumps(summary, ensure_ascii=False))


def _short(scores):
    if not scores:
        return None
    return {k: scores[k] for k in ("n", "accuracy", "macro_f1", "coverage_at_95_precision",
                                   "method") if k in scores}
