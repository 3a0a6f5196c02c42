"""Admin pages of routing: settings and model versions, keyword rules, topic → department."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from helpdesk.access import roles_required
from helpdesk.admin.services import active_departments
from helpdesk.extensions import db
from helpdesk.web.forms import choices
from helpdesk.models.routing import ModelVersion, RoutingRule, TopicMapping
from helpdesk.models.user import Role
from helpdesk.routing import configuration
from helpdesk.settings import bp
from helpdesk.settings.forms import EmptyForm
from helpdesk.settings.routing_forms import MappingForm, RoutingSettingsForm, RuleForm
from helpdesk.web.boundary import back_on_user_error, on_user_error, refused

admin_only = roles_required(Role.ADMIN)
MODELS_SHOWN = 20


def _departments(first: str | None = None):
    rows = [(d.id, d.name) for d in active_departments()]
    return choices(([(0, first)] if first else []) + rows)


def _form_page(form, save, error_field, success: str, back: str, template: str, context):
    """A page with a form: save when it validates (the service's refusal shown at error_field,
    nothing kept), else show it again, with 400 after a POST. `context` builds the rest."""
    def page():
        return render_template(template, form=form, button=EmptyForm(), **context()), \
            400 if request.method == "POST" else 200
    if form.validate_on_submit():
        on_user_error(refused(form, error_field, page))
        save()
        flash(success, "success")
        return redirect(url_for(back))
    return page()


def _button(action, success, back: str = "settings.routing"):
    """A POST button: the action on its row, or its refusal flashed."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    back_on_user_error(url_for(back))
    action()
    flash(success() if callable(success) else success, "success")
    return redirect(url_for(back))


# -- settings and models -------------------------------------------------------------------------
@bp.route("/routing", methods=["GET", "POST"])
@admin_only
def routing():
    """Threshold, the Tatar queue, automatic closing, and the model versions."""
    current = configuration.current_settings()
    form = RoutingSettingsForm(data={"threshold": current.threshold,
                                     "tatar_department_id": current.tatar_department_id or 0,
                                     "auto_close": list(current.auto_close)})
    form.tatar_department_id.choices = _departments("— как остальные (пресс-служба решает)")
    return _form_page(
        form, lambda: configuration.save_settings(current_user, form.threshold.data,
                                          form.tatar_department_id.data, form.auto_close.data or []),
        form.threshold, "Настройки маршрутизации сохранены.", "settings.routing",
        "settings/routing.html",
        lambda: {"models": configuration.model_history(MODELS_SHOWN),
                 "training": configuration.training_state(), "examples": configuration.stored_example_count()})


@bp.route("/routing/train", methods=["POST"])
@admin_only
def routing_train():
    """Retrain from the shipped data and staff corrections, in the background."""
    return _button(lambda: configuration.request_training(current_user),
                   "Обучение модели запущено: новая версия заменит текущую, когда будет готова.")


@bp.route("/routing/models/<int:model_id>/activate", methods=["POST"])
@admin_only
def routing_model_activate(model_id: int):
    """Make an earlier (or newer) model version the live one."""
    row = db.get_or_404(ModelVersion, model_id)
    return _button(lambda: configuration.activate_model(row, current_user),
                   lambda: f"Действует модель {row.version}.")


# -- keyword rules -------------------------------------------------------------------------------
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
    return _form_page(
        form, lambda: configuration.save_rule(rule, current_user, form.name.data, form.department_id.data,
                                      form.keywords.data, form.weight.data, form.active.data),
        form.keywords, "Правило сохранено.", "settings.routing_rules",
        "settings/routing_rules.html",
        lambda: {"rows": db.session.scalars(select(RoutingRule).order_by(RoutingRule.name)).all(),
                 "editing": rule})


@bp.route("/routing/rules/<int:rule_id>/toggle", methods=["POST"])
@admin_only
def routing_rule_toggle(rule_id: int):
    rule = db.get_or_404(RoutingRule, rule_id)
    return _button(lambda: configuration.toggle_rule(rule, current_user),
                   lambda: "Правило включено." if rule.active else "Правило отключено.",
                   "settings.routing_rules")


# -- topic → department --------------------------------------------------------------------------
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

    def context():
        rows = db.session.scalars(select(TopicMapping).order_by(TopicMapping.topic)).all()
        mapped, known = {m.topic for m in rows}, configuration.known_topics()
        return {"rows": rows, "editing": mapping, "known": known,
                "unmapped": [t for t in known if t not in mapped]}

    return _form_page(
        form, lambda: configuration.save_mapping(mapping, current_user, form.topic.data,
                                         form.department_id.data, form.topic_code.data),
        form.topic, "Сопоставление сохранено.", "settings.routing_topics",
        "settings/routing_topics.html", context)


@bp.route("/routing/topics/<int:mapping_id>/delete", methods=["POST"])
@admin_only
def routing_topic_delete(mapping_id: int):
    mapping = db.get_or_404(TopicMapping, mapping_id)
    return _button(lambda: configuration.delete_mapping(mapping, current_user),
                   "Сопоставление удалено: сообщения этой темы пойдут на разбор.",
                   "settings.routing_topics")
