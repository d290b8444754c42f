"""The codec server: lets the Temporal UI (and `temporal` CLI) show encrypted payloads to operators.

It speaks Temporal's remote codec protocol: ``POST /encode`` and ``POST /decode`` with a JSON body
``{"payloads": [{"metadata": {...}, "data": "..."}]}`` (protobuf JSON, bytes in base64), answering
the same shape. The browser calls it from the UI's origin, so it answers CORS preflights for the
origins it is given. With ``--token`` (or ``CODEC_TOKEN``) it encodes and decodes only for callers
presenting it: ``Authorization: Bearer <token>`` (the `temporal` CLI: ``--codec-endpoint URL
--codec-auth "Bearer <token>"``), or, for a browser, the cookie ``GET /login`` sets once the token is
typed there (HttpOnly, SameSite=Strict; the Web UI sends it when its codec server settings include
cross-origin credentials). `make run` starts it with the token it keeps in ``var/codec.token``.

    python -m devstack.codec_server --port 8081        # PAYLOAD_KEY / CODEC_TOKEN, else make run's in var/

Then point the UI at it: ``temporal server start-dev --ui-codec-endpoint http://127.0.0.1:8081``.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import signal
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload

from runtime.codec import EncryptionCodec
from runtime.config import settings

log = logging.getLogger("codec-server")

DEFAULT_ORIGINS = ("http://127.0.0.1:8233", "http://localhost:8233")
MAX_BODY = 8 * 1024 * 1024
COOKIE = "codec_token"
LOGIN_PAGE = b"""<!doctype html><meta charset="utf-8"><title>Codec server</title>
<h1>Codec server</h1><p>The Temporal Web UI decodes payloads here for holders of the codec token
(<code>var/codec.token</code> in a local run). Sign this browser in, then tick <em>Include cross-origin
credentials</em> in the UI's codec server settings.</p>
<form method="post" action="/login"><input type="password" name="token" placeholder="token" autofocus>
<button>Sign in</button></form>
"""


def _transform(body: bytes, step: Callable[[Payload], Payload]) -> bytes:
    request = json.loads(body or b"{}")
    payloads = [json_format.ParseDict(p, Payload()) for p in request.get("payloads", [])]
    answer = {"payloads": [json_format.MessageToDict(step(p)) for p in payloads]}
    return json.dumps(answer).encode()


def _handler(codec: EncryptionCodec, origins: frozenset[str], token: str | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "notice-codec/1"

        def _cors(self) -> None:
            origin = self.headers.get("Origin")
            if origin and ("*" in origins or origin in origins):
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Access-Control-Allow-Credentials", "true")
                self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
                self.send_header("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
                self.send_header("Vary", "Origin")

        def _reply(self, status: HTTPStatus, body: bytes = b"", content_type: str = "application/json") -> None:
            self.send_response(status)
            self._cors()
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def _presented(self) -> str:
            """The token the caller presents: a bearer header, else the browser's cookie."""
            header = self.headers.get("Authorization", "")
            if header:
                return header.removeprefix("Bearer ").strip()
            try:
                morsel = SimpleCookie(self.headers.get("Cookie", "")).get(COOKIE)
            except CookieError:
                return ""
            return morsel.value if morsel is not None else ""

        def _authorised(self) -> bool:
            return token is None or hmac.compare_digest(self._presented().encode(), token.encode())

        def do_OPTIONS(self) -> None:  # noqa: N802 (http.server's naming)
            self._reply(HTTPStatus.OK)

        def do_GET(self) -> None:  # noqa: N802
            if self.path.split("?")[0].rstrip("/") in ("", "/login"):
                self._reply(HTTPStatus.OK, LOGIN_PAGE, "text/html; charset=utf-8")
                return
            self._reply(HTTPStatus.NOT_FOUND, b'{"error": "POST /encode or /decode"}')

        def _login(self, length: int) -> None:
            form = urllib.parse.parse_qs(self.rfile.read(min(length, 4096)).decode("utf-8", "replace"))
            given = (form.get("token") or [""])[0].strip()
            if token is None or not hmac.compare_digest(given.encode(), token.encode()):
                self._reply(HTTPStatus.UNAUTHORIZED, b"not the codec token\n", "text/plain; charset=utf-8")
                return
            self.send_response(HTTPStatus.OK)
            self.send_header("Set-Cookie", f"{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/")
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            body = b"signed in: the Web UI can decode payloads from this browser\n"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            if self.path.rstrip("/") == "/login":
                self._login(length)
                return
            step = {"/encode": codec.encrypt, "/decode": codec.decrypt}.get(self.path.rstrip("/"))
            if step is None:
                self._reply(HTTPStatus.NOT_FOUND, b'{"error": "POST /encode or /decode"}')
                return
            if not self._authorised():
                self._reply(HTTPStatus.UNAUTHORIZED, b'{"error": "unauthorised"}')
                return
            if length > MAX_BODY:
                self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b'{"error": "body too large"}')
                return
            try:
                body = _transform(self.rfile.read(length), step)
            except Exception as err:  # a bad body or a foreign key: say so, never echo payload contents
                log.warning("%s refused: %s", self.path, type(err).__name__)
                self._reply(HTTPStatus.BAD_REQUEST, json.dumps({"error": type(err).__name__}).encode())
                return
            self._reply(HTTPStatus.OK, body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.debug("%s " + format, self.client_address[0], *args)

    return Handler


class CodecServer:
    """The codec server on a background thread (for ``make run`` and tests)."""

    def __init__(
        self,
        codec: EncryptionCodec,
        host: str = "127.0.0.1",
        port: int = 8081,
        origins: Iterable[str] = DEFAULT_ORIGINS,
        token: str | None = None,
    ) -> None:
        self._httpd = ThreadingHTTPServer((host, port), _handler(codec, frozenset(origins), token))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="codec-server", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> CodecServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> CodecServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--origin", action="append", help="a Temporal UI origin allowed by CORS (repeatable)")
    config = settings()
    parser.add_argument(
        "--key", default=config.payload_key, help="base64 AES key (PAYLOAD_KEY, else var/payload.key from make run)"
    )
    parser.add_argument(
        "--token", default=config.codec_token, help="bearer token callers present (CODEC_TOKEN, else var/codec.token)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if not args.key:
        parser.error("no key: set PAYLOAD_KEY or pass --key (python -m runtime.codec prints a new one)")
    codec = EncryptionCodec.from_base64(args.key)
    server = CodecServer(codec, args.host, args.port, args.origin or DEFAULT_ORIGINS, args.token)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with server:
        log.info("codec server on %s, key %s", server.url, codec.key_id)
        stop.wait()


if __name__ == "__main__":
    main()
