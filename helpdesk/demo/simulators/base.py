"""A threaded HTTP server on 127.0.0.1 (random port) with fault injection and a file store."""
import json
import secrets
from email import message_from_bytes
from email.policy import HTTP
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
        self.upload_slots: dict[str, dict] = {}   # /upload/<slot> URLs handed out, by slot
        self.uploads: list[dict] = []             # every file received: bytes, name, type
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

    # --- uploads: a URL handed out by an API method, then a multipart POST to it -------------
    def upload_slot(self, **info) -> str:
        """A one-file upload URL (as platforms hand out); `info` is kept for accept_upload."""
        slot = secrets.token_hex(8)
        with self.lock:
            self.upload_slots[slot] = dict(info)
        return f"{self.url}/upload/{slot}"

    def accept_upload(self, slot: dict, upload: dict, params: dict, headers) -> Reply:
        """The platform's answer to a received file (subclasses say what it looks like)."""
        return json_reply({"ok": True})

    def uploaded(self, **match) -> list[dict]:
        """Files received whose fields equal `match` (e.g. ref="photo-1_2")."""
        with self.lock:
            return [u for u in self.uploads if all(u.get(k) == v for k, v in match.items())]

    def by_token(self, items) -> list[dict] | None:
        """The uploaded files a message's attachments name by {"type", "payload": {"token"}}
        (OK, MAX); None when one names no file of its type."""
        files = []
        for item in items:
            token = ((item or {}).get("payload") or {}).get("token") if isinstance(item, dict) else None
            found = self.uploaded(token=token) if token else []
            if not found or found[0]["kind"] != item.get("type"):
                return None
            files.append(found[0])
        return files

    def _upload(self, path: str, params: dict, headers) -> Reply | None:
        if not path.startswith("/upload/"):
            return None
        with self.lock:
            self.requests.append(("POST", "upload"))
            slot = self.upload_slots.get(path[len("/upload/"):])
        fault = self.take_fault("upload")
        sleep_for(fault, "slow_before")
        if fault and fault.kind == "http":
            return Reply(int(fault.value), b"<html>upload failed</html>", "text/html")
        if slot is None:
            return Reply(404, b"unknown upload url", "text/plain")
        files = params.get("__files__") or []
        if len(files) != 1:
            return json_reply({"error": "expected exactly one file"}, 400)
        upload = dict(files[0], slot=slot, authorization=headers.get("Authorization"))
        reply = self.accept_upload(slot, upload, params, headers)
        if reply.status == 200:
            with self.lock:
                self.uploads.append(upload)
        sleep_for(fault, "slow_after")
        return reply

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
                elif body and ctype.startswith("multipart/form-data"):
                    fields, files = parse_multipart(body, ctype)
                    params.update(fields)
                    params["__files__"] = files
                elif body and "json" in ctype:
                    try:
                        data = json.loads(body)
                        if isinstance(data, dict):
                            params.update({k: v for k, v in data.items()})
                    except ValueError:
                        pass
                reply = (sim._files(parts.path)
                         or (method == "POST" and sim._upload(parts.path, params, self.headers))
                         or sim.route(method, parts.path, params, body, self.headers))
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


def parse_multipart(body: bytes, content_type: str) -> tuple[dict, list[dict]]:
    """A multipart/form-data body as (text fields, files [{field, filename, content_type, data}])."""
    message = message_from_bytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
                                 + body, policy=HTTP)
    fields, files = {}, []
    for part in message.iter_parts() if message.is_multipart() else ():
        field = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        data = part.get_payload(decode=True) or b""
        if filename is not None:
            files.append({"field": field, "filename": filename, "data": data,
                          "content_type": part.get_content_type()
                          if part.get("Content-Type") else ""})
        elif field:
            fields[field] = data.decode("utf-8", "replace")
    return fields, files


def sleep_for(fault: Fault | None, kind: str) -> None:
    if fault is not None and fault.kind == kind:
        time.sleep(float(fault.value))
