"""A local HTTP server answering from a script, recording every request: the API's wire behaviour without the API."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional, Union


@dataclass
class Reply:
    status: int = 200
    body: Union[bytes, str, Dict[str, Any], List[Any], None] = None
    headers: Dict[str, str] = field(default_factory=dict)
    #: Close the connection without answering (a network failure as the client sees it).
    drop: bool = False


@dataclass
class Seen:
    method: str
    path: str
    headers: Dict[str, str]
    body: bytes


def error_reply(status: int, code: str, message: str = "scripted", **extra: Any) -> Reply:
    headers = extra.pop("headers", {})
    return Reply(status, {"error": {"code": code, "message": message, "requestId": "req-test", **extra}}, headers)


Script = Callable[[Seen, int], Reply]


class ScriptedServer:
    def __init__(self, script: Union[Script, List[Reply]]) -> None:
        self.seen: List[Seen] = []
        if isinstance(script, list):
            replies = list(script)

            def in_order(_seen: Seen, i: int) -> Reply:
                return replies[min(i, len(replies) - 1)]  # the last reply repeats

            self._script: Script = in_order
        else:
            self._script = script
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's parameter name
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                outer.seen.append(seen)
                reply = outer._script(seen, len(outer.seen) - 1)
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                body = reply.body
                if isinstance(body, (dict, list)):
                    data, ctype = json.dumps(body).encode(), "application/json; charset=utf-8"
                elif isinstance(body, str):
                    data, ctype = body.encode(), "text/plain; charset=utf-8"
                else:
                    data, ctype = body or b"", "application/octet-stream"
                self.send_response(reply.status)
                headers = {"Content-Type": ctype, **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def serving(script: Union[Script, List[Reply]]) -> Iterator[ScriptedServer]:
    with ScriptedServer(script) as server:
        yield server


def header(seen: Seen, name: str) -> Optional[str]:
    return seen.headers.get(name.lower())
