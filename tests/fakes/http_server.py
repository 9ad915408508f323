"""The fake Bot API served over HTTP, for a bot running in another process.

::

    api = FakeBotAPI()
    with FakeBotAPIServer(api) as server:
        env["TELEGRAM_API_BASE_URL"] = server.base_url      # http://127.0.0.1:PORT/bot
        ...start the bot...
        server.wait_for("sendMessage", lambda c: c.chat_id == 1001)

It listens on 127.0.0.1 with an ephemeral port, one thread per connection, so a long-polling
``getUpdates`` never holds up other calls. It accepts what PTB's ``HTTPXRequest`` sends:
``application/x-www-form-urlencoded`` (strings as-is, everything else JSON-encoded),
``multipart/form-data`` with file parts, and JSON bodies. Files are served at
``/file/bot<token>/<file_path>`` (:attr:`FakeBotAPIServer.base_file_url`).

Injected ``timeout`` failures hold the request without answering (the client's read timeout
fires) and ``network`` failures drop the connection.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.fakes.botapi import (
    Call,
    FakeBotAPI,
    TelegramAPIError,
    TransportFault,
    UploadedFile,
    attach_uploads,
)

__all__ = ["FakeBotAPIServer", "decode_form_value"]

# Bot API parameters whose values are strings even when they look like JSON ("123", "true").
# PTB sends strings unencoded and everything else JSON-encoded, so other values are JSON-decoded.
_STRING_PARAMS = frozenset(
    {
        "action",
        "address",
        "animation",
        "audio",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "currency",
        "custom_emoji_id",
        "description",
        "document",
        "emoji",
        "explanation",
        "file_id",
        "first_name",
        "inline_message_id",
        "ip_address",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "next_offset",
        "parse_mode",
        "payload",
        "phone_number",
        "photo",
        "query",
        "question",
        "secret_token",
        "short_description",
        "sticker",
        "text",
        "thumbnail",
        "title",
        "url",
        "vcard",
        "video",
        "video_note",
        "voice",
        "web_app_query_id",
    }
)


def decode_form_value(name: str, value: str) -> Any:
    """A form field as PTB encoded it: string parameters as-is, others JSON-decoded."""
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, owner: FakeBotAPIServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client went away (abandoned long polls, killed bots)."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request access log."""

    def do_GET(self) -> None:
        """Serve a file download, or a Bot API call with query-string parameters."""
        self._serve(b"")

    def do_POST(self) -> None:
        """Serve a Bot API call."""
        length = int(self.headers.get("Content-Length") or 0)
        self._serve(self.rfile.read(length) if length else b"")

    def _serve(self, body: bytes) -> None:
        owner = self.server.owner
        split = urlsplit(self.path)
        path = unquote(split.path)
        if path.startswith("/file/bot"):
            file_path = path.removeprefix("/file/bot").split("/", 1)[-1]
            data = owner.api.download(file_path)
            if data is None:
                self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            else:
                self._send(200, data, "application/octet-stream")
            return
        parts = path.strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("bot"):
            self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = parts[0].removeprefix("bot"), parts[1]
        try:
            params = self._params(split.query, body)
        except ValueError as exc:
            self._json(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"})
            return
        try:
            result = owner.api.handle_sync(method, params, token=token)
        except TelegramAPIError as exc:
            self._json(exc.error_code, exc.to_response())
        except TransportFault as exc:
            if exc.kind == "timeout":
                owner.stop_event.wait(owner.stall_seconds)
            self.close_connection = True
        else:
            self._json(200, {"ok": True, "result": result})

    def _params(self, query: str, body: bytes) -> dict[str, Any]:
        params = {k: decode_form_value(k, v) for k, v in parse_qsl(query, keep_blank_values=True)}
        content_type = self.headers.get("Content-Type", "")
        if not body:
            return params
        if content_type.startswith("application/json"):
            decoded = json.loads(body)
            if not isinstance(decoded, dict):
                raise ValueError("the JSON body must be an object")
            params.update(decoded)
        elif content_type.startswith("multipart/form-data"):
            params.update(_multipart(content_type, body))
        else:
            text = body.decode("utf-8")
            pairs = parse_qsl(text, keep_blank_values=True)
            params.update({k: decode_form_value(k, v) for k, v in pairs})
        return params

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """Decode ``multipart/form-data``: fields as form values, file parts as uploads."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, Any] = {}
    uploads: dict[str, UploadedFile] = {}
    for part in message.iter_parts() if isinstance(message, Message) else []:
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            uploads[name] = UploadedFile(
                filename=filename, data=data, mime_type=part.get_content_type()
            )
        else:
            charset = part.get_content_charset() or "utf-8"
            fields[name] = decode_form_value(name, data.decode(charset))
    return attach_uploads(fields, uploads)


class FakeBotAPIServer:
    """Serves a :class:`FakeBotAPI` on ``127.0.0.1:<ephemeral port>`` from a background thread.

    Use as a context manager (or call :meth:`start` / :meth:`stop`). ``stall_seconds`` bounds
    how long an injected ``timeout`` holds a request before dropping it.
    """

    def __init__(self, api: FakeBotAPI, *, stall_seconds: float = 30.0) -> None:
        self.api = api
        self.stall_seconds = stall_seconds
        self.stop_event = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FakeBotAPIServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Bind the port and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("FakeBotAPIServer is already running")
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeBotAPIServer:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving; wakes pending long polls (the api answers them at once from now on)."""
        server, self._server = self._server, None
        if server is None:
            return
        self.stop_event.set()
        self.api.close()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._server is None:
            raise RuntimeError("FakeBotAPIServer is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The Bot API base URL in the form PTB's ``base_url`` takes (token appended)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """The file download base URL in the form PTB's ``base_file_url`` takes."""
        return f"{self.url}/file/bot"

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,
        *,
        since: int = 0,
    ) -> Call:
        """Block until a matching call arrives; see :meth:`FakeBotAPI.wait_for`."""
        return self.api.wait_for(method, predicate, timeout, since=since)
