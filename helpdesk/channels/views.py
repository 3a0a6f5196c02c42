"""Channel admin views: thin wrappers over channels.services."""
from functools import partial
from types import SimpleNamespace

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from helpdesk.access import roles_required
from helpdesk.channels import bp
from helpdesk.channels.forms import ChannelCreateForm, ChannelEditForm, EmptyForm
from helpdesk.channels.services import (EDITABLE, create_channel, set_active, update_channel,
                                         webhook_path)
from helpdesk.extensions import db
from helpdesk.models import Channel
from helpdesk.models.user import Role
from helpdesk.web.boundary import on_user_error, refused

admin_only = roles_required(Role.ADMIN)


def _webhook_url(channel: Channel) -> str | None:
    path = webhook_path(channel)
    return request.host_url.rstrip("/") + path if path else None


@bp.route("/admin/channels", methods=["GET", "POST"])
@admin_only
def channels():
    form = ChannelCreateForm()

    def page():
        rows = db.session.scalars(select(Channel).order_by(Channel.slug)).all()
        return render_template("channels/list.html", channels=rows, form=form,
                               webhook_url=_webhook_url, toggle=EmptyForm())
    if form.validate_on_submit():
        on_user_error(refused(form, form.slug, page))
        channel = create_channel(
            form.kind.data, form.slug.data, form.token.data, name=form.name.data or "",
            group_id=form.group_id.data or None, secret=form.secret.data or None,
            confirmation=form.confirmation.data or "", api_base=form.api_base.data or "",
            mode=form.mode.data, auto_ack=form.auto_ack.data, actor=current_user)
        flash(f"Канал {channel.slug} создан", "success")
        return redirect(url_for("channels.channel_edit", channel_id=channel.id))
    return page()


@bp.route("/admin/channels/<int:channel_id>", methods=["GET", "POST"])
@admin_only
def channel_edit(channel_id: int):
    channel = db.get_or_404(Channel, channel_id)
    form = ChannelEditForm(obj=SimpleNamespace(**{k: getattr(channel, k) for k in EDITABLE}))
    page = partial(_edit_page, channel, form)
    if form.validate_on_submit():
        on_user_error(refused(form, form.api_base, page))
        update_channel(channel, token=form.token.data or "", secret=form.secret.data or "",
                       actor=current_user, name=form.name.data or "",
                       group_id=form.group_id.data or None,
                       confirmation=form.confirmation.data or "",
                       api_base=form.api_base.data or "", mode=form.mode.data,
                       auto_ack=form.auto_ack.data)
        flash("Настройки канала сохранены", "success")
        return redirect(url_for("channels.channel_edit", channel_id=channel.id))
    return page()


def _edit_page(channel: Channel, form):
    return render_template("channels/form.html", channel=channel, form=form,
                           webhook_url=_webhook_url(channel))


@bp.post("/admin/channels/<int:channel_id>/toggle")
@admin_only
def channel_toggle(channel_id: int):
    channel = db.get_or_404(Channel, channel_id)
    if EmptyForm().validate_on_submit():
        set_active(channel, not channel.active, actor=current_user)
        flash("Канал включён" if channel.active else "Канал отключён", "success")
    return redirect(url_for("channels.channels"))
