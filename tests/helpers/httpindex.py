"""A local HTTP index on 127.0.0.1 for the fast tests: it serves the files a test puts
in it, with the headers the test gives, and records every request it answers (its path
and headers, lower-case).  ETags are honoured: ``If-None-Match`` with the current one is
answered ``304``."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Index:
    """What the server answers (``files``: path -> body; ``headers`` for every answer),
    and what it was asked (``requests``: path and headers of each)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.content_types: dict[str, str] = {}
        self.headers: dict[str, str] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.url = ""

    def asked(self, path: str) -> list[dict[str, str]]:
        """The headers of every request for ``path``."""
        return [headers for asked, headers in self.requests if asked == path]


@contextmanager
def serving() -> Iterator[Index]:
    served = Index()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            body = served.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            etag = served.headers.get("ETag")
            if etag is not None and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", served.content_types.get(self.path, "application/octet-stream"))
            self.send_header("Content-Length", str(len(body)))
            for name, value in served.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
