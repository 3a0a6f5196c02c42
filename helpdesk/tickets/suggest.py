"""Districts and topics the list filters know: suggestions and case-insensitive matching in part.

SQLite's lower() folds ASCII only, so «альметьевский» cannot be compared to «Альметьевский …» in
SQL alike on both databases. The known values are few (45 municipalities, a few dozen topics):
they are read, matched in Python (casefold, ё = е, every word of the query a part of the value)
and the list is filtered by the matching set.
"""
from flask import g
from sqlalchemy import select, text

from helpdesk.extensions import db
from helpdesk.models.routing import TopicMapping

# The distinct districts through their index: one probe per value (a loose index scan), not a
# walk over every ticket as DISTINCT would do.
_DISTRICTS = text(
    "WITH RECURSIVE d(v) AS ("
    " SELECT MIN(district) FROM tickets"
    " UNION ALL"
    " SELECT (SELECT MIN(district) FROM tickets WHERE district > d.v) FROM d WHERE d.v IS NOT NULL"
    ") SELECT v FROM d WHERE v IS NOT NULL")


def fold(value: str) -> str:
    """The form values are compared in: case folded, ё as е, spaces collapsed."""
    return " ".join(value.casefold().replace("ё", "е").split())


def matches(value: str, wanted: str) -> bool:
    """True when every word of `wanted` occurs in `value`, in any case."""
    folded = fold(value)
    return all(word in folded for word in fold(wanted).split())


def known_districts() -> list[str]:
    """The districts the tickets name, sorted (read once per request: the district filter and
    the form's suggestions both need them)."""
    if "known_districts" not in g:
        g.known_districts = sorted(v for v in db.session.execute(_DISTRICTS).scalars() if v)
    return g.known_districts


def known_topics() -> list[tuple[str, str | None]]:
    """(topic, classifier code) of the topics the routing knows, sorted by topic."""
    rows = db.session.execute(select(TopicMapping.topic, TopicMapping.topic_code)
                              .order_by(TopicMapping.topic))
    return [(topic, code) for topic, code in rows]


def matching_districts(wanted: str) -> list[str]:
    """The known districts that `wanted` names in part."""
    return [d for d in known_districts() if matches(d, wanted)]


def matching_topics(wanted: str) -> tuple[list[str], list[str]]:
    """(topics, codes) that `wanted` names in part: a topic by its words, a code by its start."""
    topics, codes = [], []
    key = fold(wanted)
    for topic, code in known_topics():
        if matches(topic, wanted):
            topics.append(topic)
        if code and fold(code).startswith(key):
            codes.append(code)
    return topics, codes
