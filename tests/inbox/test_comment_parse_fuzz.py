"""Comment deliveries with any field of any shape: parse gives a usable comment or raises only
what the webhook keeps as an unparsed event (helpdesk.inbox.normalise.MALFORMED)."""
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.inbox.adapters.telegram import TelegramAdapter
from helpdesk.inbox.adapters.vk import VkAdapter
from helpdesk.inbox.normalise import MALFORMED

CHANNEL = SimpleNamespace(kind="vk", token="t", secret="s", group_id="4242", api_base="",
                          confirmation="")
ANY = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                st.text(alphabet=st.characters(codec=None), max_size=30),
                st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5),
                                                                     st.integers(), max_size=2))
FIELD = st.one_of(st.integers(-2 ** 70, 2 ** 70), ANY)


def _usable(parsed) -> None:
    for message in parsed.messages:
        for value in (message.text, message.message_key, message.external_user_id,
                      message.comment.reply_to, message.comment.post.key):
            assert "\x00" not in value
            value.encode("utf-8")  # no lone surrogate left
        assert len(message.message_key) <= 128 and len(message.comment.post.key) <= 128
    for post in parsed.posts:
        assert "\x00" not in post.text and len(post.key) <= 128


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["wall_reply_new", "wall_reply_edit", "wall_reply_delete",
                             "wall_reply_restore", "wall_post_new"]),
       fields=st.fixed_dictionaries({}, optional={
           name: FIELD for name in ("id", "from_id", "owner_id", "post_owner_id", "post_id",
                                    "text", "date", "parents_stack", "reply_to_comment",
                                    "deleter_id", "attachments")}),
       event_id=ANY)
def test_vk_wall_events_of_any_shape(kind, fields, event_id):
    payload = {"type": kind, "group_id": 4242, "secret": "s", "event_id": event_id,
               "object": fields}
    try:
        parsed = VkAdapter(CHANNEL).parse(payload)
    except MALFORMED:
        return
    _usable(parsed)


@settings(max_examples=300, deadline=None)
@given(edited=st.booleans(), forward=st.booleans(),
       fields=st.fixed_dictionaries({}, optional={
           name: FIELD for name in ("message_id", "message_thread_id", "text", "caption",
                                    "date", "sender_chat")}),
       person=st.one_of(ANY, st.fixed_dictionaries({"id": FIELD, "first_name": ANY})),
       parent=st.one_of(ANY, st.fixed_dictionaries(
           {"message_id": FIELD, "is_automatic_forward": ANY, "text": ANY,
            "forward_origin": ANY})))
def test_telegram_group_updates_of_any_shape(edited, forward, fields, person, parent):
    message = {**fields, "chat": {"id": -1001, "type": "supergroup"}, "from": person,
               "reply_to_message": parent}
    if forward:
        message["is_automatic_forward"] = True
    payload = {"update_id": 7, "edited_message" if edited else "message": message}
    try:
        parsed = TelegramAdapter(CHANNEL).parse(payload)
    except MALFORMED:
        return
    _usable(parsed)
