"""A threaded HTTP server on 127.0.0.1 (random port) with fault injection and a file store."""
import json
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Fault:
    """One injected misbehaviour: http (status), error (platform code), retry_after (s),
    slow_before / slow_after (s, answer late before/after doing the work), failed (long poll),
    conflict (409)."""

    kind: str
    value: float | int = 0
    text: str = ""


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict | None = None


def json_reply(data, status: int = 200) -> Reply:
    return Reply(status, json.dumps(data, ensure_ascii=False).encode())


class SimServer:
    """Base class: subclasses implement route(method, path, params, body, headers) -> Reply."""

    name = "sim"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.lock = threading.RLock()
        self.faults: dict[str, list[Fault]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.redirects: dict[str, str] = {}
        self.requests: list[tuple[str, str]] = []
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def netloc(self) -> str:
        return self.url.split("//", 1)[1]

    def start(self) -> "SimServer":
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name=self.name,
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- faults and files --------------------------------------------------------------
    def inject(self, op: str, *faults: Fault) -> None:
        """Queue faults for the next calls of `op` (a method name), one per call."""
        with self.lock:
            self.faults.setdefault(op, []).extend(faults)

    def take_fault(self, op: str) -> Fault | None:
        with self.lock:
            queue = self.faults.get(op)
            return queue.pop(0) if queue else None

    def add_file(self, data: bytes, content_type: str = "application/octet-stream",
                 name: str | None = None) -> str:
        """Serve `data` at /files/<name>; returns the full URL."""
        name = name or secrets.token_hex(8)
        with self.lock:
            self.files[name] = (data, content_type)
        return f"{self.url}/files/{name}"

    def count(self, op: str) -> int:
        with self.lock:
            return sum(1 for _, path in self.requests if path == op)

    # --- HTTP --------------------------------------------------------------------------
    def route(self, method: str, path: str, params: dict, body: bytes, headers) -> Reply:
        raise NotImplementedError

    def add_redirect(self, location: str) -> str:
        """A /files/ URL that answers 302 to `location`; returns the URL."""
        name = secrets.token_hex(8)
        with self.lock:
            self.redirects[name] = location
        return f"{self.url}/files/{name}"

    def _files(self, path: str) -> Reply | None:
        if path.startswith("/files/"):
            name = path[len("/files/"):]
            if name in self.redirects:
                return Reply(302, b"", "text/plain", {"Location": self.redirects[name]})
            item = self.files.get(name)
            return Reply(200, item[0], item[1]) if item else Reply(404, b"not found", "text/plain")
        return None

    def _handler_class(self):
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query, keep_blank_values=True))
                ctype = self.headers.get("Content-Type", "")
                if body and "application/x-www-form-urlencoded" in ctype:
                    params.update(parse_qsl(body.decode(), keep_blank_values=True))
                elif body and "json" in ctype:
                    try:
                        data = json.loads(body)
                        if isinstance(data, dict):
                            params.update({k: v for k, v in data.items()})
                    except ValueError:
                        pass
                reply = sim._files(parts.path) or sim.route(method, parts.path, params, body,
                                                            self.headers)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for key, value in (reply.headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

        return Handler


def sleep_for(fault: Fault | None, kind: str) -> None:
    if fault is not None and fault.kind == kind:
        time.sleep(float(fault.value))
