"""The mutated deliveries of bench/fuzz.py: valid messages of each platform, then hostile
values, broken bytes, hostile structure, forged credentials and resends (seeded, reproducible)."""
import copy
import json
import random
from dataclasses import dataclass

HOSTILE = [None, "", " ", "\ud800", "\udfff\ud800x", "a\x00b", "\x00", -1, 0, 2 ** 63, 10 ** 40,
           -(10 ** 40), 1.5, 1e308, -0.0, True, False, [], {}, [[[]]], {"a": {"b": None}},
           "9" * 40, "x" * 5000, "😀", "Ж" * 300, "user:", "chat:", "mid:", "<script>", "' OR 1=1"]
CHARS = "аб вгЖ\x00\ud800\udc00😀\u202e\t\n\\\"'<>{}[]"
CITIZENS = 150  # per platform: messages thread into few tickets, as real citizens' do


@dataclass
class Delivery:
    kind: str
    path: str
    body: bytes
    headers: dict
    label: str

    def __post_init__(self) -> None:
        # The mutation's name rides in the query string (the webhook ignores it), so the
        # access log says which kind of delivery took longest.
        self.path = self.path.split("?")[0] + f"?case={self.label}"


def message(kind: str, n: int, rng: random.Random, info: dict) -> dict:
    """A well-formed message delivery from one of CITIZENS citizens."""
    who = rng.randrange(CITIZENS) + 1
    text = rng.choice(["Здравствуйте! Третий день нет отопления в доме по ул. Ленина, 5.",
                       "Когда отремонтируют дорогу в Лаишево?", "Исәнмесез! Су юк.", "",
                       "Прошу помочь с выплатой пособия, телефон +7 900 000-00-00"])
    if kind == "vk":
        body = {"id": n, "date": 1_765_000_000 + n, "from_id": 100 + who, "peer_id": 100 + who,
                "text": text, "conversation_message_id": n, "out": 0, "fwd_messages": [],
                "attachments": [{"type": "doc", "doc": {"url": "http://127.0.0.1:9/d.pdf",
                                                        "title": "акт.pdf", "size": 1000}}]}
        return {"type": "message_new", "group_id": info["group_id"], "event_id": f"ev{n:08x}",
                "secret": info["secret"], "v": "5.199",
                "object": {"message": body, "client_info": {}}}
    if kind == "telegram":
        return {"update_id": n, "message": {
            "message_id": n, "date": 1_765_000_000 + n, "text": text,
            "chat": {"id": 200 + who, "type": "private"},
            "from": {"id": 200 + who, "first_name": "Иван", "last_name": "Петров",
                     "username": "ivan"},
            "photo": [{"file_id": f"p{n}", "width": 90, "height": 90, "file_size": 1000}]}}
    if kind == "max":
        return {"update_type": "message_created", "timestamp": 1_765_000_000_000 + n,
                "message": {"sender": {"user_id": 400 + who, "first_name": "Иван",
                                       "last_name": "Петров", "name": "Иван Петров"},
                            "recipient": {"chat_id": 500 + who, "chat_type": "dialog"},
                            "timestamp": 1_765_000_000_000 + n,
                            "body": {"mid": f"mid.{n:08x}", "seq": n, "text": text, "attachments": [
                                {"type": "image", "payload": {"url": "http://127.0.0.1:9/i.jpg"}}]}}}
    return {"webhookType": "MESSAGE_CREATED", "timestamp": 1_765_000_000_000 + n,
            "sender": {"user_id": f"user:{who}", "name": "Иван Петров"},
            "recipient": {"chat_id": f"chat:{who}"},
            "message": {"text": text, "seq": n, "mid": f"mid:{n:08x}", "attachments": [
                {"type": "IMAGE", "payload": {"url": "http://127.0.0.1:9/i.jpg"}}]}}


def _hostile(rng: random.Random):
    if rng.random() < 0.3:
        return "".join(rng.choice(CHARS) for _ in range(rng.randrange(1, 40)))
    return copy.deepcopy(rng.choice(HOSTILE))


def mutate_fields(node, rng: random.Random, rate: float) -> None:
    """Replace, delete or add fields at random anywhere in a payload."""
    if isinstance(node, dict):
        for key in list(node):
            r = rng.random()
            if r < rate:
                node[key] = _hostile(rng)
            elif r < rate * 1.4:
                del node[key]
            else:
                mutate_fields(node[key], rng, rate)
        if rng.random() < rate:
            node[str(_hostile(rng)) if rng.random() < 0.5 else "extra"] = _hostile(rng)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if rng.random() < rate:
                node[i] = _hostile(rng)
            else:
                mutate_fields(item, rng, rate)


def _text_fields(kind: str, payload: dict) -> list[tuple[dict, str]]:
    if kind == "vk":
        return [(payload["object"]["message"], "text")]
    if kind == "telegram":
        return [(payload["message"], "text"), (payload["message"]["from"], "first_name"),
                (payload["message"]["from"], "last_name")]
    if kind == "max":
        return [(payload["message"]["body"], "text"), (payload["message"]["sender"], "name")]
    return [(payload["message"], "text"), (payload["sender"], "name")]


def mutate_bytes(body: bytes, rng: random.Random) -> bytes:
    data = bytearray(body)
    for _ in range(rng.randrange(1, 6)):
        choice = rng.random()
        if choice < 0.4 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif choice < 0.7:
            data[rng.randrange(len(data) + 1):0] = bytes(rng.randrange(256) for _ in range(3))
        elif data:
            del data[rng.randrange(len(data)):]
    return bytes(data)


STRUCTURES = {
    "deep": lambda: b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "deep_moderate": lambda: b'{"update_id": 1, "a": ' + b"[" * 900 + b"]" * 900 + b"}",
    "containers": lambda: b"[" + b"[]," * 9000 + b"1]",
    "commas": lambda: b"[" + b"1," * 49000 + b"1]",
    "huge_number": lambda: b'{"update_id": ' + b"9" * 5000 + b"}",
    "nan": lambda: b'{"update_id": NaN}',
    "oversized": lambda: b'{"a": "' + b"x" * (3 * 1024 * 1024) + b'"}',
    "not_utf8": lambda: b'{"a": "\xff\xfe"}',
    "empty": lambda: b"",
    "array": lambda: b"[1, 2, 3]",
    "scalar": lambda: b'"ok"',
}


SECRET_HEADERS = {"telegram": "X-Telegram-Bot-Api-Secret-Token", "max": "X-Max-Bot-Api-Secret"}


def _headers(kind: str, info: dict, forged: bool | None) -> dict:
    headers = {"Content-Type": "application/json"}
    if kind in SECRET_HEADERS and forged is not None:
        headers[SECRET_HEADERS[kind]] = "forged" if forged else info["secret"]
    return headers


def one(kind: str, n: int, rng: random.Random, info: dict, sent: list) -> Delivery:
    """One delivery of `kind`, its mutation chosen at random."""
    path = info["path"]
    payload = message(kind, n, rng, info)
    r, forged, label = rng.random(), False, "valid"
    if r < 0.25:
        pass
    elif r < 0.55:
        label = "fields"
        mutate_fields(payload, rng, rate=rng.choice([0.05, 0.15, 0.3]))
        if kind == "vk" and rng.random() < 0.8:  # mostly still authentic
            payload["secret"], payload["group_id"] = info["secret"], info["group_id"]
    elif r < 0.72:
        label = "text"
        for holder, field in _text_fields(kind, payload):
            holder[field] = "".join(rng.choice(CHARS) for _ in range(rng.randrange(0, 200)))
    elif r < 0.73:
        label = "long_word"  # one 60,000-letter word (issue 13, finding 6)
        _text_fields(kind, payload)[0][0]["text"] = "а" * 60_000
    elif r < 0.83:
        label = "bytes"
        body = mutate_bytes(json.dumps(payload).encode(), rng)
        return Delivery(kind, path, body, _headers(kind, info, False), label)
    elif r < 0.88:
        label = rng.choice(sorted(STRUCTURES))
        return Delivery(kind, path, STRUCTURES[label](), _headers(kind, info, False), label)
    elif r < 0.93:
        label, forged = "forged", True
        payload["secret"] = "forged"
        if kind == "ok":
            path = path.rsplit("/", 1)[0] + "/forged-token"
        if kind in SECRET_HEADERS and rng.random() < 0.5:
            forged = None  # no secret header at all
    elif sent:
        label = "resend"
        previous = rng.choice(sent)
        return Delivery(kind, previous.path, previous.body, previous.headers, label)
    body = json.dumps(payload).encode()
    return Delivery(kind, path, body, _headers(kind, info, forged), label)


def deliveries(channels: dict, per_platform: int, rng: random.Random) -> list[Delivery]:
    """`per_platform` deliveries of each platform, interleaved."""
    made: dict[str, list[Delivery]] = {kind: [] for kind in channels}
    for n in range(1, per_platform + 1):
        for kind, info in channels.items():
            made[kind].append(one(kind, n, rng, info, made[kind]))
    return [d for trio in zip(*made.values()) for d in trio]


def warmup(channels: dict) -> list[Delivery]:
    """Two valid messages per platform from citizens of their own (ids past the run's)."""
    rng, made = random.Random(0), []
    for i in range(2):
        for kind, info in channels.items():
            payload = message(kind, 10 ** 7 + i, rng, info)
            if kind == "vk":
                payload["object"]["message"].update(from_id=10 ** 6 + i, peer_id=10 ** 6 + i)
            elif kind == "telegram":
                payload["message"]["chat"]["id"] = payload["message"]["from"]["id"] = 10 ** 6 + i
            elif kind == "max":
                payload["message"]["sender"]["user_id"] = 10 ** 6 + i
            else:
                payload["sender"]["user_id"] = payload["recipient"]["chat_id"] = f"w{i}"
            made.append(Delivery(kind, info["path"], json.dumps(payload).encode(),
                                 _headers(kind, info, False), "warmup"))
    return made
