"""Property-based: MAX's parse turns any JSON into an ignored event, a parse error the webhook
keeps as raw, or messages whose fields are plain, bounded strings (never another exception)."""
from types import SimpleNamespace

from hypothesis import given, settings, strategies as st

from helpdesk.inbox.adapters.max import MaxAdapter

# What the webhook takes as "authentic but not understood" (the raw event is kept).
PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError)

ADAPTER = MaxAdapter(SimpleNamespace(token="t", secret="s", api_base=""))
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=5),
                           max_leaves=25)


def message_like():
    """Mostly well-formed message_created updates with any value in any place."""
    body = st.fixed_dictionaries({"mid": scalars, "text": scalars},
                                 optional={"attachments": json_values})
    sender = st.fixed_dictionaries({"user_id": scalars},
                                   optional={"first_name": scalars, "name": scalars,
                                             "is_bot": scalars})
    message = st.fixed_dictionaries({"body": body, "sender": sender},
                                    optional={"recipient": json_values, "link": json_values,
                                              "timestamp": scalars})
    return st.fixed_dictionaries({"update_type": st.just("message_created"), "message": message})


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, message_like()))
def test_parse_never_raises_anything_else(payload):
    try:
        parsed = ADAPTER.parse(payload)
    except PARSE_ERRORS:
        return
    for incoming in parsed.messages:
        assert parsed.event_key == incoming.event_key == f"message_created:{incoming.message_key}"
        for value in (incoming.text, incoming.display_name, incoming.reply_address,
                      incoming.external_user_id, incoming.message_key):
            assert isinstance(value, str) and "\x00" not in value
        assert len(incoming.message_key) <= 100 and len(incoming.display_name) <= 300
        for att in incoming.attachments:
            assert isinstance(att.source, str) and att.source
            assert att.size is None or 0 <= att.size < 2 ** 53
