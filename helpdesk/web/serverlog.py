"""Gunicorn's access log without secrets: an OK webhook's path token is masked.

Loaded by gunicorn.conf.py (gunicorn reads that file from the working directory), so the
access log of `make run` and of production never holds a channel's webhook token.
"""
import re

from gunicorn.glogging import Logger

_OK_TOKEN = re.compile(r"(/webhooks/ok/[^/\s?]+/)[^/\s?]+")


def mask(text: str) -> str:
    """The request line or path with any OK webhook token replaced by ***."""
    return _OK_TOKEN.sub(r"\1***", text)


class MaskingLogger(Logger):
    """Gunicorn's logger whose access-log fields carry no webhook tokens."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "{raw_uri}e"):
            if isinstance(atoms.get(key), str):
                atoms[key] = mask(atoms[key])
        return atoms
