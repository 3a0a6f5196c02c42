"""The platforms' upload endpoints in the simulators (and so in the test fakes), each as the
platform's own API behaves (PLATFORMS.md); every file received is kept in `self.uploads` with
its bytes, file name and content type, and a sent message names the files it carried.

- VK: photos.getMessagesUploadServer → POST `photo` → photos.saveMessagesPhoto → "photo<owner>_<id>";
  docs.getMessagesUploadServer → POST `file` → docs.save → "doc<owner>_<id>"; messages.send
  takes them in `attachment` (comma-separated).
- OK: GET /graph/me/fileUploadUrl?type=IMAGE|FILE → {url, token (FILE), file_id (IMAGE)}; POST the
  file; an IMAGE's token comes back from the upload ({"photos": {id: {"token"}}}); the message
  carries {"type", "payload": {"token"}} in `attachment` (one) or `attachments`.
- MAX: POST /uploads?type=image|file → {url}; POST `data` → {"photos": {…: {"token"}}} or
  {"fileId", "token"}; POST /messages carries [{"type", "payload": {"token"}}] in `attachments`.
- Telegram: sendPhoto / sendDocument take the file in the multipart request itself.
"""
import json
import secrets

from helpdesk.demo.simulators.base import Reply, json_reply


class VkUploads:
    """Methods for VkSimulator (self.lock, self.group_id, self.upload_slot…)."""

    def upload_methods(self) -> dict:
        return {"photos.getMessagesUploadServer": lambda p: self._upload_server(p, "photo"),
                "docs.getMessagesUploadServer": lambda p: self._upload_server(p, "doc"),
                "photos.saveMessagesPhoto": self._save_photo, "docs.save": self._save_doc}

    def _upload_server(self, params, kind: str) -> dict:
        return {"upload_url": self.upload_slot(kind=kind, peer_id=params.get("peer_id")),
                "album_id": -64, "group_id": self.group_id}

    def accept_upload(self, slot, upload, params, headers) -> Reply:
        field = "photo" if slot["kind"] == "photo" else "file"
        if upload["field"] != field:
            return json_reply({"error": f"no {field} field"}, 200)
        key = secrets.token_hex(10)
        upload.update(kind=slot["kind"], key=key)
        if slot["kind"] == "photo":
            return json_reply({"server": 1, "hash": "h" + key,
                               "photo": json.dumps([{"photo": key, "sizes": []}])})
        return json_reply({"file": key})

    def _stored(self, key: str) -> dict | None:
        with self.lock:
            return next((u for u in self.uploads if u.get("key") == key), None)

    def _save_photo(self, params):
        try:
            key = json.loads(params.get("photo") or "[]")[0]["photo"]
        except (ValueError, LookupError, TypeError):
            key = ""
        upload = self._stored(key)
        if upload is None or params.get("hash") != "h" + key:
            return self._error(100, "One of the parameters specified was missing or invalid: photo")
        with self.lock:
            photo_id = len(self.uploads) + 1000
            upload["ref"] = f"photo-{self.group_id}_{photo_id}_ak{photo_id}"
        return [{"id": photo_id, "owner_id": -self.group_id, "access_key": f"ak{photo_id}",
                 "album_id": -64, "sizes": []}]

    def _save_doc(self, params):
        upload = self._stored(str(params.get("file", "")))
        if upload is None:
            return self._error(100, "One of the parameters specified was missing or invalid: file")
        with self.lock:
            doc_id = len(self.uploads) + 5000
            upload["ref"] = f"doc-{self.group_id}_{doc_id}"
            upload["title"] = params.get("title", "")
        return {"type": "doc", "doc": {"id": doc_id, "owner_id": -self.group_id,
                                       "title": params.get("title") or upload["filename"],
                                       "size": len(upload["data"]), "ext": "", "url": ""}}

    def attached(self, value: str) -> list[dict] | None:
        """The files an `attachment` parameter names (None: one is unknown)."""
        files = []
        for ref in (r.strip() for r in str(value or "").split(",") if r.strip()):
            found = self.uploaded(ref=ref)
            if not found:
                return None
            files.append(found[0])
        return files


class OkUploads:
    """GET /graph/me/fileUploadUrl and the tokens an OK message's attachments carry."""

    def upload_url(self, params) -> Reply:
        kind = str(params.get("type") or "FILE").upper()
        if kind not in ("IMAGE", "FILE", "VIDEO", "AUDIO"):
            return json_reply({"error_code": 100, "error_msg": "PARAM: type"})
        file_id, token = secrets.token_hex(4), "t" + secrets.token_hex(10)
        answer = {"url": self.upload_slot(kind=kind, file_id=file_id, token=token)}
        if kind == "IMAGE":
            answer["file_id"] = file_id
        else:
            answer["token"] = token
        return json_reply(answer)

    def accept_upload(self, slot, upload, params, headers) -> Reply:
        upload.update(kind=slot["kind"], token=slot["token"])
        if slot["kind"] == "IMAGE":
            return json_reply({"photos": {slot["file_id"]: {"token": slot["token"]}}})
        return json_reply({})

    def attached(self, message: dict) -> list[dict] | None:
        items = message.get("attachments")
        if items is None:
            items = [message["attachment"]] if message.get("attachment") else []
        return self.by_token(items if isinstance(items, list) else [None])


class MaxUploads:
    """POST /uploads and the tokens a MAX message's attachments carry."""

    def create_upload(self, params):
        kind = str(params.get("type") or "")
        if kind not in ("image", "file", "video", "audio"):
            return self._error(400, "proto.payload", "type: image, video, audio or file")
        return {"url": self.upload_slot(kind=kind)}

    def accept_upload(self, slot, upload, params, headers) -> Reply:
        if upload["field"] != "data":
            return self._error(400, "proto.payload", "file field is `data`")
        token = secrets.token_hex(16)
        upload.update(kind=slot["kind"], token=token)
        if slot["kind"] == "image":
            return json_reply({"photos": {secrets.token_hex(12): {"token": token}}})
        return json_reply({"fileId": len(self.uploads) + 1, "token": token})

    def attached(self, items) -> list[dict] | None:
        return self.by_token(items or ())


class TelegramUploads:
    """sendPhoto / sendDocument: the file in the multipart request (field photo / document)."""

    def upload_methods(self) -> dict:
        return {"sendPhoto": lambda p: self._send_file(p, "photo"),
                "sendDocument": lambda p: self._send_file(p, "document")}

    def _send_file(self, params, field: str):
        files = [f for f in params.get("__files__") or () if f["field"] == field]
        if len(files) != 1 or not str(params.get("chat_id", "")).lstrip("-").isdigit():
            return self._error(400, f"Bad Request: there is no {field} in the request")
        chat_id, upload = int(params["chat_id"]), dict(files[0], kind=field)
        with self.lock:
            message_id = len(self.sent) + 1
            self.uploads.append(upload)
            self.sent.append({"chat_id": chat_id, "text": "", "caption": params.get("caption", ""),
                              "message_id": message_id, "reply_to": None, "files": [upload]})
        return {"message_id": message_id, "chat": {"id": chat_id, "type": "private"},
                field: [{"file_id": "F" + secrets.token_hex(8)}] if field == "photo"
                else {"file_id": "F" + secrets.token_hex(8), "file_name": upload["filename"]}}
