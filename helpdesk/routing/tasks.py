"""Background routing work: retraining the model when an administrator asks for it."""
import logging

from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.models.setting import set_setting
from helpdesk.models.types import utcnow
from helpdesk.routing.configuration import TRAINING_KEY, training_state
from helpdesk.background.tasks import task

log = logging.getLogger(__name__)


@task("routing.train")
def train() -> None:
    """Train from the shipped data and the stored corrections, then swap the new model in."""
    from helpdesk.routing.service import train_default

    state = {**training_state(), "state": "running", "started": utcnow().isoformat()}
    set_setting(TRAINING_KEY, state)
    db.session.commit()
    try:
        row = train_default()
        record("model_trained", object_type="model_version", object_id=str(row.id),
               details={"version": row.version, "examples": row.n_examples})
        set_setting(TRAINING_KEY, {**state, "state": "done", "version": row.version,
                                   "finished": utcnow().isoformat()})
        db.session.commit()
    except Exception as exc:  # the old model stays active; the page says what went wrong
        db.session.rollback()
        log.exception("routing model training failed")
        set_setting(TRAINING_KEY, {**state, "state": "failed", "error": str(exc)[:300],
                                   "finished": utcnow().isoformat()})
        db.session.commit()
