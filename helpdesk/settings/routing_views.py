"""Admin pages of routing: settings and model versions, keyword rules, topic → department."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from helpdesk.access import roles_required
from helpdesk.admin.services import active_departments
from helpdesk.extensions import db
from helpdesk.forms import choices
from helpdesk.models.routing import ModelVersion, RoutingRule, TopicMapping
from helpdesk.models.user import Role
from helpdesk.routing import admin
from helpdesk.settings import bp
from helpdesk.settings.forms import EmptyForm
from helpdesk.settings.routing_forms import MappingForm, RoutingSettingsForm, RuleForm

admin_only = roles_required(Role.ADMIN)
MODELS_SHOWN = 20


def _departments(first: str | None = None):
    rows = [(d.id, d.name) for d in active_departments()]
    return choices(([(0, first)] if first else []) + rows)


def _code() -> int:
    """A page shown again after a POST shows its errors: 400."""
    return 400 if request.method == "POST" else 200


# -- settings and models -------------------------------------------------------------------------
@bp.route("/routing", methods=["GET", "POST"])
@admin_only
def routing():
    """Threshold, the Tatar queue, automatic closing, and the model versions."""
    current = admin.current_settings()
    form = RoutingSettingsForm(data={"threshold": current.threshold,
                                     "tatar_department_id": current.tatar_department_id or 0,
                                     "auto_close": list(current.auto_close)})
    form.tatar_department_id.choices = _departments("— как остальные (пресс-служба решает)")
    if form.validate_on_submit():
        try:
            admin.save_settings(current_user, form.threshold.data, form.tatar_department_id.data,
                                form.auto_close.data or [])
        except admin.RoutingSettingsError as exc:
            db.session.rollback()
            form.threshold.errors = [*form.threshold.errors, str(exc)]
        else:
            db.session.commit()
            flash("Настройки маршрутизации сохранены.", "success")
            return redirect(url_for("settings.routing"))
    models = db.session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())
                                .limit(MODELS_SHOWN)).all()
    return render_template("settings/routing.html", form=form, models=models,
                           training=admin.training_state(), button=EmptyForm(),
                           examples=admin.stored_example_count()), _code()


@bp.route("/routing/train", methods=["POST"])
@admin_only
def routing_train():
    """Retrain from the shipped data and staff corrections, in the background."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        admin.request_training(current_user)
    except admin.RoutingSettingsError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash("Обучение модели запущено: новая версия заменит текущую, когда будет готова.",
              "success")
    return redirect(url_for("settings.routing"))


@bp.route("/routing/models/<int:model_id>/activate", methods=["POST"])
@admin_only
def routing_model_activate(model_id: int):
    """Make an earlier (or newer) model version the live one."""
    row = db.get_or_404(ModelVersion, model_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        admin.activate_model(row, current_user)
    except admin.RoutingSettingsError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(f"Действует модель {row.version}.", "success")
    return redirect(url_for("settings.routing"))


# -- keyword rules -------------------------------------------------------------------------------
def _rules():
    return db.session.scalars(select(RoutingRule).order_by(RoutingRule.name)).all()


@bp.route("/routing/rules", methods=["GET", "POST"])
@admin_only
def routing_rules():
    """Keyword rules: the list and the form for a new one."""
    return _rule_page(None, RuleForm())


@bp.route("/routing/rules/<int:rule_id>", methods=["GET", "POST"])
@admin_only
def routing_rule_edit(rule_id: int):
    rule = db.get_or_404(RoutingRule, rule_id)
    form = RuleForm(obj=rule)
    if request.method == "GET":
        form.keywords.data = "\n".join(rule.keywords or [])
    return _rule_page(rule, form)


def _rule_page(rule, form):
    form.department_id.choices = _departments()
    if form.validate_on_submit():
        try:
            admin.save_rule(rule, current_user, form.name.data, form.department_id.data,
                            form.keywords.data, form.weight.data, form.active.data)
        except admin.RoutingSettingsError as exc:
            db.session.rollback()
            form.keywords.errors = [*form.keywords.errors, str(exc)]
        else:
            db.session.commit()
            flash("Правило сохранено.", "success")
            return redirect(url_for("settings.routing_rules"))
    return render_template("settings/routing_rules.html", rows=_rules(), form=form,
                           editing=rule, button=EmptyForm()), _code()


@bp.route("/routing/rules/<int:rule_id>/toggle", methods=["POST"])
@admin_only
def routing_rule_toggle(rule_id: int):
    rule = db.get_or_404(RoutingRule, rule_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    admin.toggle_rule(rule, current_user)
    db.session.commit()
    flash("Правило включено." if rule.active else "Правило отключено.", "success")
    return redirect(url_for("settings.routing_rules"))


# -- topic → department --------------------------------------------------------------------------
def _mappings():
    return db.session.scalars(select(TopicMapping).order_by(TopicMapping.topic)).all()


@bp.route("/routing/topics", methods=["GET", "POST"])
@admin_only
def routing_topics():
    """Which department answers each topic of the model."""
    return _mapping_page(None, MappingForm())


@bp.route("/routing/topics/<int:mapping_id>", methods=["GET", "POST"])
@admin_only
def routing_topic_edit(mapping_id: int):
    mapping = db.get_or_404(TopicMapping, mapping_id)
    return _mapping_page(mapping, MappingForm(obj=mapping))


def _mapping_page(mapping, form):
    form.department_id.choices = _departments()
    if form.validate_on_submit():
        try:
            admin.save_mapping(mapping, current_user, form.topic.data, form.department_id.data,
                               form.topic_code.data)
        except admin.RoutingSettingsError as exc:
            db.session.rollback()
            form.topic.errors = [*form.topic.errors, str(exc)]
        else:
            db.session.commit()
            flash("Сопоставление сохранено.", "success")
            return redirect(url_for("settings.routing_topics"))
    rows = _mappings()
    mapped = {m.topic for m in rows}
    unmapped = [t for t in admin.known_topics() if t not in mapped]
    return render_template("settings/routing_topics.html", rows=rows, form=form,
                           editing=mapping, button=EmptyForm(), unmapped=unmapped), \
        _code()


@bp.route("/routing/topics/<int:mapping_id>/delete", methods=["POST"])
@admin_only
def routing_topic_delete(mapping_id: int):
    mapping = db.get_or_404(TopicMapping, mapping_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    admin.delete_mapping(mapping, current_user)
    db.session.commit()
    flash("Сопоставление удалено: сообщения этой темы пойдут на разбор.", "success")
    return redirect(url_for("settings.routing_topics"))
