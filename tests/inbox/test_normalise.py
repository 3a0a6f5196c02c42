"""The adapter-boundary helpers (helpdesk.inbox.normalise): pure functions, table tests."""
from datetime import datetime, timezone

import pytest

from helpdesk.inbox import normalise as n
from helpdesk.inbox.types import IncomingAttachment, IncomingMessage, Parsed

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("raw, expected", [
    ('"a\\ud800b"', "a\ufffdb"),
    ('"\\ud83d\\ude00"', "\U0001F600"),
    ('{"k\\u0000": "v\\u0000"}', {"k": "v"}),
    ('[1e400, 1.5, 10000000000000000000000000000000000000000]', [None, 1.5, 10 ** 40]),
    ('{"a": [[[[]]]]}', {"a": [[[[]]]]}),
])
def test_load_json_cleans(raw, expected):
    assert n.load_json(raw.encode()) == expected


def test_load_json_takes_max_depth():
    assert n.load_json(b"[" * 64 + b"]" * 64) is not None


@pytest.mark.parametrize("raw", [
    b"", b"NaN", b'{"a": -Infinity}', b"\xff", b"\xed\xa0\x80", b'{"a":',
    b"[" * 65 + b"]" * 65, b"[" * 100_000, b"[" + b"1," * 60_000 + b"1]",
    b"1" * 5000,
])
def test_load_json_refuses(raw):
    with pytest.raises(n.BadBody):
        n.load_json(raw)


@pytest.mark.parametrize("value, expected", [
    ("", None), ("12", 12), (" 7 ", 7), (12, 12), (-1, None), (10 ** 40, None), (1.0, None),
    (True, None), (None, None), ([3], None), ({"a": 1}, None), (2 ** 40, 2 ** 40),
])
def test_size(value, expected):
    assert n.size(value) == expected


@pytest.mark.parametrize("value, expected", [
    (1700000000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)),
    (10 ** 40, NOW), (-(10 ** 30), NOW), (float("nan"), NOW), ("1700000000", NOW),
    (None, NOW), (True, NOW), (946684799, NOW), (NOW.timestamp() + 3 * 86400, NOW),
])
def test_timestamp(value, expected):
    assert n.timestamp(value, now=NOW) == expected


@pytest.mark.parametrize("value, expected", [
    ("a\x00b", "ab"), ("\udfff", "\ufffd"), (5, "5"), (1.5, "1.5"), (float("inf"), ""),
    (None, ""), (True, ""), ([1], ""), ({"a": "b"}, ""),
])
def test_text(value, expected):
    assert n.text(value) == expected


def test_ident_and_need_int():
    assert n.ident(" 42 ") == "42" and n.ident(-3) == "-3"
    for bad in ("", "  ", None, True, [1], {}, 1.5, 2 ** 70):
        with pytest.raises(ValueError):
            n.ident(bad)
    assert n.need_int({"a": "15"}, "a") == 15
    for bad in ({}, {"a": "x"}, {"a": 2 ** 70}, [], None):
        with pytest.raises(ValueError):
            n.need_int(bad, "a")


def test_storable_keeps_shape_and_drops_only_what_cannot_be_stored():
    deep = current = []
    for _ in range(100):
        current.append([])
        current = current[0]
    value = n.storable({"t": "x\x00\ud800", 1: (1, 2), "f": float("nan"), "d": deep})
    assert value["t"] == "x\ufffd" and value["1"] == [1, 2] and value["f"] is None
    depth, node = 0, value["d"]
    while node:
        depth, node = depth + 1, node[0]
    assert depth == n.MAX_DEPTH - 1  # cut where it nests past the limit, not dropped whole


def test_types_clean_whatever_an_adapter_passes():
    message = IncomingMessage(
        event_key="e" * 300, message_key="k\x00", external_user_id="\ud800",
        reply_address="r", text="т\x00екст\udc00", sent_at="вчера", display_name="и" * 400,
        first_name="f" * 200, attachments=(IncomingAttachment("weird", "s\x00", "n" * 400,
                                                              "m" * 200, 10 ** 40), "x"))
    assert len(message.event_key) == 128 and message.message_key == "k"
    assert message.external_user_id == "\ufffd" and message.text == "текст\ufffd"
    assert message.sent_at.tzinfo is not None
    assert len(message.display_name) == 300 and len(message.first_name) == 150
    [attachment] = message.attachments
    assert attachment.kind == "other" and attachment.source == "s" and attachment.size is None
    assert len(attachment.name) == 300 and len(attachment.mime_type) == 100
    assert Parsed(event_key="a\x00\ud800").event_key == "a\ufffd"
