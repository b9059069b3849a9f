"""Index pages as a warm install needs them: cached with HTTP's rules, and only the
files the host can use.

**HTTP caching.**  A project's page (PEP 503/691) is kept in the cache with its
validators (``ETag``, ``Last-Modified``) and freshness (``Cache-Control: max-age``, as
PyPI sends): while it is fresh it is used without asking the index; once stale it is
asked for again with ``If-None-Match``/``If-Modified-Since``, and a ``304 Not Modified``
makes the kept page fresh again.  ``no-store`` pages are never kept, ``no-cache`` ones
always asked for again; a page without validators or freshness is simply fetched.

**Only what the host can use.**  numpy's page lists some 4,000 wheels; unearth makes a
link of each and tests its tags, most of a warm resolution.  A JSON page (PEP 691) is
handed to unearth without the wheels whose tags the host supports none of — those the
tag test would reject anyway — so the same candidates come out, a hundred times faster.
What is left of a page is kept beside it, under the digest of the page and of the tags:
an unchanged page (a fresh one, a ``304``, or the same bytes fetched again from an index
that sends no validators) is not parsed and cut again.

**Asked for ahead.**  The resolver asks for one project's page at a time, as it learns
of the project; :meth:`IndexClient.prefetch` asks for pages it will want (the named
projects, the dependencies of a candidate) in threads meanwhile, and a request for such a
page waits for that answer instead of asking again.  The threads only ask: what is kept
in the cache is written by the thread that uses the page.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from packaging.tags import Tag
from unearth.fetchers.sync import PyPIClient

from .._files import keep_in_cache

logger = logging.getLogger("crossbuild")

JSON_PAGE = "application/vnd.pypi.simple.v1+json"
#: What unearth accepts when it asks for a project's page (a page asked for ahead asks the same).
ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
#: The response headers a kept page keeps: what its use and its revalidation need.
_KEPT_HEADERS = ("content-type", "etag", "last-modified", "cache-control", "date", "age", "vary")


class IndexClient(PyPIClient):
    """unearth's HTTP client, with index pages kept in ``cache`` (``None``: none kept)
    and JSON pages cut down to the files of ``tags`` (``None``: every file)."""

    def __init__(self, *, cache: Path | None = None, tags: frozenset[Tag] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pages = cache / "index-pages" if cache is not None else None
        self._tags = tags
        self._tags_digest = hashlib.sha256(" ".join(sorted(map(str, tags or ()))).encode()).hexdigest()
        self._ahead: dict[str, _Ahead] = {}
        self._ahead_lock = threading.Lock()
        self.pages_seen: dict[str, tuple[int, str]] = {}
        """Every index page (http(s) and file://) handed to unearth: its URL, status and
        :func:`page_digest`, to tell later whether the same pages would be seen again."""

    def prefetch(self, url: str) -> None:
        """Ask for the page at ``url`` in a thread now (once); a request for it waits for
        that answer.  A failure there is forgotten: the request asks again."""
        with self._ahead_lock:
            if url in self._ahead:
                return
            self._ahead[url] = ahead = _Ahead()
        threading.Thread(target=self._ask_ahead, args=(url, ahead), name="crossbuild-index", daemon=True).start()

    def _ask_ahead(self, url: str, ahead: _Ahead) -> None:
        _asking_ahead.active = True
        try:
            # no keyring or prompt in a thread: a page that needs them is answered 401 here,
            # and the request itself asks again with them
            ahead.response = self.get(url, headers={"Accept": ACCEPT}, auth=None)
        except Exception as error:  # the request itself will ask again, and say what fails
            logger.debug("asking for %s ahead: %s", url, error)
        finally:
            ahead.done.set()

    def _asked_ahead(self, request: httpx2.Request) -> httpx2.Response | None:
        """The answer to a request for the same page asked for ahead, if it was a page."""
        with self._ahead_lock:
            ahead = self._ahead.get(str(request.url))
        if ahead is None or request.headers.get("accept") != ACCEPT:
            return None
        ahead.done.wait()
        response, ahead.response = ahead.response, None  # once
        return response if response is not None and response.status_code == 200 else None

    def _send_single_request(self, request: httpx2.Request) -> httpx2.Response:
        """One request (after redirects and authentication are handled): an index page
        from the cache when it is fresh, revalidated when it is stale."""
        if getattr(_asking_ahead, "active", False) or request.headers.get("accept") != ACCEPT:
            return super()._send_single_request(request)
        response = self._send_page_request(request) if _is_page_request(request) else self._read(request)
        self.pages_seen[str(request.url)] = (response.status_code, page_digest(response))
        return response

    def _read(self, request: httpx2.Request) -> httpx2.Response:
        """A page not over http(s) (a ``file://`` index), read whole."""
        response = super()._send_single_request(request)
        response.read()
        return response

    def _send_page_request(self, request: httpx2.Request) -> httpx2.Response:
        kept = self._kept(request)
        if kept is not None and kept.fresh():
            logger.debug("index page %s: kept, fresh", request.url)
            return self._answer(request, kept.headers, kept.body)
        response = self._asked_ahead(request)
        if response is None:
            if kept is not None:
                kept.ask_if_changed(request)
            response = super()._send_single_request(request)
        if response.status_code == 304 and kept is not None:
            response.close()
            logger.debug("index page %s: not modified", request.url)
            kept.refresh(response.headers)
            self._keep(request, kept)
            return self._answer(request, kept.headers, kept.body)
        if response.status_code != 200:
            return response
        body = response.read()
        page = _Page({k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS}, body, time.time())
        if page.storable():
            self._keep(request, page)
        return self._answer(request, page.headers, body)

    def _answer(self, request: httpx2.Request, headers: Mapping[str, str], body: bytes) -> httpx2.Response:
        if self._tags is not None and headers.get("content-type", "").lower().startswith(JSON_PAGE):
            body = self._usable(request, body, self._tags)
        return httpx2.Response(200, headers=headers, content=body, request=request)

    def _usable(self, request: httpx2.Request, body: bytes, tags: frozenset[Tag]) -> bytes:
        """:func:`only_usable_files` of ``body``, kept beside the page (one file per page,
        under the digest of the page and of the tags): a page that did not change, kept or
        fetched again, is not cut again."""
        path = self._path(request)
        source = f"{hashlib.sha256(body).hexdigest()} {self._tags_digest}".encode()
        cut = path.with_suffix(".usable") if path is not None else None
        if cut is not None:
            try:
                head, _, usable = cut.read_bytes().partition(b"\n")
                if head == source:
                    return usable
            except OSError:
                pass
        usable = only_usable_files(body, tags)
        if cut is not None:
            keep_in_cache(cut, source + b"\n" + usable, f"the usable files of {request.url}")
        return usable

    def _path(self, request: httpx2.Request) -> Path | None:
        if self._pages is None:
            return None
        # what the answer depends on: the URL, what was accepted, and who asked
        key = "\0".join([str(request.url), request.headers.get("accept", ""), request.headers.get("authorization", "")])
        return self._pages / f"{hashlib.sha256(key.encode()).hexdigest()[:40]}.page"

    def _kept(self, request: httpx2.Request) -> _Page | None:
        path = self._path(request)
        if path is None:
            return None
        try:
            head, _, body = path.read_bytes().partition(b"\n")
            meta = json.loads(head)
            return _Page({str(k): str(v) for k, v in meta["headers"].items()}, body, float(meta["stored"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
            logger.debug("index page %s: the kept copy is unreadable (%s)", request.url, error)
            return None

    def _keep(self, request: httpx2.Request, page: _Page) -> None:
        path = self._path(request)
        if path is None:
            return
        head = json.dumps({"headers": page.headers, "stored": page.stored}).encode()
        keep_in_cache(path, head + b"\n" + page.body, f"the index page {request.url}")


_asking_ahead = threading.local()


@dataclass
class _Ahead:
    """A page asked for ahead: its answer, once there."""

    done: threading.Event = field(default_factory=threading.Event)
    response: httpx2.Response | None = None


class _Page:
    """A kept page: its headers (lower-case names), body, and when it was received."""

    def __init__(self, headers: Mapping[str, str], body: bytes, stored: float) -> None:
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body
        self.stored = stored

    def _directives(self) -> dict[str, str]:
        directives = {}
        for part in self.headers.get("cache-control", "").split(","):
            name, _, value = part.strip().partition("=")
            if name:
                directives[name.lower()] = value.strip('"')
        return directives

    def storable(self) -> bool:
        directives = self._directives()
        if "no-store" in directives:
            return False
        return "etag" in self.headers or "last-modified" in self.headers or "max-age" in directives

    def fresh(self, now: float | None = None) -> bool:
        directives = self._directives()
        if "no-cache" in directives or "no-store" in directives:
            return False
        try:
            max_age = int(directives["max-age"])
            initial_age = int(self.headers.get("age", "0"))
        except (KeyError, ValueError):
            return False
        age = (time.time() if now is None else now) - self.stored + initial_age
        return 0 <= age < max_age

    def ask_if_changed(self, request: httpx2.Request) -> None:
        if "etag" in self.headers:
            request.headers["If-None-Match"] = self.headers["etag"]
        if "last-modified" in self.headers:
            request.headers["If-Modified-Since"] = self.headers["last-modified"]

    def refresh(self, headers: Mapping[str, str]) -> None:
        """A ``304``: the page is the same, with the new response's headers about it."""
        for name, value in headers.items():
            if name.lower() in _KEPT_HEADERS and name.lower() != "content-type":
                self.headers[name.lower()] = value
        self.headers.setdefault("date", email.utils.formatdate(usegmt=True))
        self.stored = time.time()


def page_digest(response: httpx2.Response) -> str:
    """What unearth is given of a page (read whole), as a digest: empty unless a ``200``."""
    return hashlib.sha256(response.read()).hexdigest() if response.status_code == 200 else ""


def _is_page_request(request: httpx2.Request) -> bool:
    return (
        request.method == "GET"
        and request.url.scheme in ("http", "https")
        and "application/vnd.pypi.simple" in request.headers.get("accept", "")
    )


def only_usable_files(body: bytes, tags: frozenset[Tag]) -> bytes:
    """A PEP 691 page without the wheels that support none of ``tags`` (sdists and
    anything that is not a wheel stay); the page as it was if it is not one."""
    triples = {(tag.interpreter, tag.abi, tag.platform) for tag in tags}
    try:
        page = json.loads(body)
        files = page["files"]
        if not isinstance(files, list):
            return body
        page["files"] = [file for file in files if not _foreign_wheel(file, triples)]
    except (ValueError, TypeError, KeyError):
        return body
    return json.dumps(page).encode()


def _foreign_wheel(file: object, triples: set[tuple[str, str, str]]) -> bool:
    """Whether ``file`` (an entry of a page) is a wheel none of whose tags is in ``triples``.

    The tags are read from the file name as ``packaging`` reads them (the last three
    dash-separated parts, each a dot-separated set, case-insensitive), without the name
    and version checks, which cost most of the time; a name that is not a wheel's stays.
    """
    if not isinstance(file, dict):
        return False
    name = file.get("filename") or str(file.get("url", "")).rpartition("/")[2].partition("#")[0]
    if not isinstance(name, str) or not name.endswith(".whl"):
        return False
    parts = name[:-4].split("-")
    if len(parts) not in (5, 6):
        return False
    interpreters, abis, platforms = (part.lower().split(".") for part in parts[-3:])
    return not any((i, a, p) in triples for i in interpreters for a in abis for p in platforms)
