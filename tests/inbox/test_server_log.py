"""The access log of the real server (gunicorn with the project's gunicorn.conf.py) holds no
OK webhook token."""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from helpdesk.web.serverlog import mask

ROOT = Path(__file__).resolve().parents[2]


def test_mask_keeps_everything_but_the_token():
    assert mask("POST /webhooks/ok/ok-main/s3cr3t-token HTTP/1.1") == \
        "POST /webhooks/ok/ok-main/*** HTTP/1.1"
    assert mask("GET /tickets?q=ok HTTP/1.1") == "GET /tickets?q=ok HTTP/1.1"


def test_gunicorn_access_log_masks_the_ok_token(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "access.log"
    env = {**os.environ, "HELPDESK_ENV": "test", "FLASK_RUN_FROM_CLI": ""}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen([str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "1",
                               "--access-logfile", str(log), "wsgi:app"], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = requests.post(f"http://127.0.0.1:{port}/webhooks/ok/some-channel/"
                                       "very-secret-token", json={}, timeout=30)
                break
            except (requests.ConnectionError, requests.Timeout):  # the worker still booting
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert answer.status_code in (404, 503)  # no such channel (or no schema): still logged
    finally:
        server.terminate()
        server.wait(15)
    text = log.read_text()
    assert "/webhooks/ok/some-channel/***" in text
    assert "very-secret-token" not in text
