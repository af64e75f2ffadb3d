"""A client of Streamlit's browser protocol, for load tests that measure the server, not browsers.

A browser tab talks to a Streamlit server over one WebSocket, ``/_stcore/stream``: it sends
``BackMsg`` protobufs (``rerun_script`` with a ``ClientState``: the page, the query string, the
widget values, the hashes of the messages it has cached, the browser's context) and receives
``ForwardMsg`` protobufs (``new_session`` at the start of every run, ``navigation``, ``delta``
elements, ``script_finished``, ...). :class:`StreamSession` does the same from Python (the
``websockets`` package), as Streamlit 1.67's frontend does it:

* the handshake offers the subprotocols ``streamlit``, then the XSRF token or the frontend's
  placeholder ``PLACEHOLDER_AUTH_TOKEN`` (the server selects the first; it checks the token only to
  read Streamlit's own ``st.login`` cookie, which IRO QA's local accounts do not use), and sends
  ``Origin`` (same-origin) and any ``Cookie`` given, such as IRO QA's ``iroqa_session``;
* the first ``rerun_script`` names no page script (``page_script_hash`` empty, ``page_name`` the
  URL's path below the app, "" for the default page) with ``context_info`` filled as a browser
  does (time zone and its offset, locale, the page's URL, not embedded, light theme); a page change
  sends the page's ``page_script_hash`` from the ``navigation`` message and keeps only the query
  parameters bound to widgets (``bind="query-params"``), as the frontend does;
* a click on a button sends its element id (from its delta) with ``trigger_value`` true. Other
  widgets' values are not sent back: the server keeps each widget's last value in the session, so
  for the pages' default filters a run is the same;
* messages the server marks ``metadata.cacheable`` are kept and their hashes listed in
  ``cached_message_hashes``; the server then sends a ``ref_hash`` in their place, which is answered
  from the cache (the server sends refs only for hashes the client listed). Entries not used for
  more than ``max_cached_message_age`` runs are dropped, as the frontend drops them;
* nothing periodic is needed: an open tab with nothing to do sends nothing (the frontend's
  ``app_heartbeat`` is sent only when an embedding host asks for it), and the server's WebSocket
  pings are answered by the library. The client sends no pings of its own, as a browser does not.

What a browser does besides is not done: no HTML, JavaScript, fonts or media are fetched, nothing
is laid out or drawn, charts are not rendered (Vega runs in the browser anyway). So a view's time
here is the server's: from sending ``rerun_script`` to its ``script_finished``.

    async with StreamSession("http://127.0.0.1:8501", cookie="iroqa_session=...") as s:
        await s.open()                     # the first run (the default page)
        seconds = await s.view("Themes")   # a page by title or URL path
        s.title(), s.captions(), s.texts() # what the last finished run rendered
        await s.click_button("_iroqa_new_build")
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

import httpx
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Markdown_pb2 import Markdown
from websockets.asyncio.client import connect

#: What the frontend offers as the second subprotocol when it has no XSRF token to send.
NO_TOKEN = "PLACEHOLDER_AUTH_TOKEN"
STREAM_PATH = "/_stcore/stream"
MAIN, SIDEBAR = 0, 1  # the root containers of a delta path


class StreamError(RuntimeError):
    """A run that did not finish as a browser would have shown it."""


class ViewTimeout(StreamError):
    """No ``script_finished`` within the time allowed."""


class ScriptError(StreamError):
    """The run rendered an exception (or the script did not compile)."""


class PageNotFound(StreamError):
    """The server did not know the page asked for (it ran the default page instead)."""


@dataclass
class Page:
    """A page of the app's navigation (from the ``navigation`` ForwardMsg)."""

    title: str
    url_pathname: str
    script_hash: str
    is_default: bool


@dataclass
class _Cached:
    msg: ForwardMsg
    run_count: int
    fragment_id: str | None


@dataclass
class _Run:
    """What one script run sent: its elements by delta path, exceptions, query parameters bound to
    widgets."""

    elements: dict[tuple[int, ...], Element] = field(default_factory=dict)
    exceptions: list[str] = field(default_factory=list)
    bound_params: set[str] = field(default_factory=set)
    page_not_found: str | None = None


def _context_offset_minutes(tz: str) -> int:
    """JavaScript's ``Date.getTimezoneOffset()``: minutes to add to local time to get UTC."""
    offset = datetime.now(ZoneInfo(tz)).utcoffset()
    return -int(offset.total_seconds() // 60) if offset is not None else 0


class StreamSession:
    """One browser tab's worth of Streamlit session, over the WebSocket protocol.

    ``cookie`` is sent as the ``Cookie`` header of the WebSocket's opening request (and of the
    HTTP requests of :meth:`poll_live`), where ``st.context.cookies`` reads it."""

    def __init__(
        self,
        base_url: str,
        *,
        cookie: str | None = None,
        timeout: float = 120.0,
        timezone: str = "Europe/London",
        locale: str = "en-GB",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.cookie = cookie
        self.timeout = timeout
        self.timezone = timezone
        self.locale = locale
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._poller: asyncio.Task | None = None
        self._http = None
        self._lock = asyncio.Lock()  # one run at a time from this tab
        self._changed = asyncio.Condition()
        self._cache: dict[str, _Cached] = {}
        self._run_count = 0
        self._max_cached_age = 2
        self._building = _Run()  # the run under way
        self._shown = _Run()  # the last run that finished
        self._waiting: asyncio.Future | None = None
        self._run_started = False
        self._asked_for = ""  # the page the last rerun_script asked for
        self._closed: BaseException | None = None
        self.pages: list[Page] = []
        self.page_script_hash = ""  # the page the server ran last
        self.query_string = ""  # the URL's query string as the server last set it
        self.script_running = False
        self.runs = 0  # script runs finished (any status)
        self.cache_hits = 0  # ref_hash messages answered from the cache
        self.last_status: int | None = None
        self.last_seconds: float | None = None

    # --- connection --------------------------------------------------------------------------

    async def __aenter__(self) -> StreamSession:
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def connect(self) -> None:
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        headers = {"Cookie": self.cookie} if self.cookie else {}
        self._ws = await connect(
            f"{scheme}://{parts.netloc}{parts.path}{STREAM_PATH}",
            subprotocols=["streamlit", NO_TOKEN],
            origin=f"{parts.scheme}://{parts.netloc}",
            additional_headers=headers,
            ping_interval=None,  # a browser sends no pings; it answers the server's (so does the library)
            max_size=None,
            open_timeout=self.timeout,
        )
        self._reader = asyncio.create_task(self._read(), name="stream-reader")

    async def close(self) -> None:
        for task in (self._poller, self._reader):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._poller = self._reader = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    # --- reading -----------------------------------------------------------------------------

    async def _read(self) -> None:
        try:
            async for data in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                await self._handle(msg)
            self._closed = StreamError(f"the server closed the WebSocket ({self._ws.close_code})")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to whoever waits
            self._closed = exc
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_exception(StreamError(f"connection lost: {self._closed}"))
        async with self._changed:
            self._changed.notify_all()

    async def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self._cache.get(msg.ref_hash)
            if cached is None:
                raise StreamError(f"the server referred to a message not cached: {msg.ref_hash}")
            cached.run_count = self._run_count
            self.cache_hits += 1
            resolved = ForwardMsg()
            resolved.CopyFrom(cached.msg)
            resolved.metadata.CopyFrom(msg.metadata)
            msg, kind = resolved, resolved.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            if msg.hash in self._cache:
                self._cache[msg.hash].run_count = self._run_count
            else:
                fragment = msg.delta.fragment_id if kind == "delta" else ""
                self._cache[msg.hash] = _Cached(msg, self._run_count, fragment or None)

        if kind == "new_session":
            self._building = _Run()
            self._run_started = True
            self._max_cached_age = msg.new_session.config.max_cached_message_age or self._max_cached_age
            self.page_script_hash = msg.new_session.page_script_hash
        elif kind == "navigation":
            self.pages = [
                Page(p.page_name, p.url_pathname, p.page_script_hash, p.is_default)
                for p in msg.navigation.app_pages
            ]
            if msg.navigation.page_script_hash:
                self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            self._building.page_not_found = msg.page_not_found.page_name or self._asked_for
        elif kind == "session_status_changed":
            self.script_running = msg.session_status_changed.script_is_running
        elif kind == "session_event":
            if msg.session_event.HasField("script_compilation_exception"):
                e = msg.session_event.script_compilation_exception
                self._building.exceptions.append(f"{e.type}: {e.message}")
        elif kind == "delta":
            self._delta(msg)
        elif kind == "script_finished":
            await self._finished(msg)

    def _delta(self, msg: ForwardMsg) -> None:
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        path = tuple(msg.metadata.delta_path)
        self._building.elements[path] = el
        which = el.WhichOneof("type")
        if which == "exception":
            e = el.exception
            self._building.exceptions.append(f"{e.type}: {e.message}".strip(": "))
        elif which is not None:
            proto = getattr(el, which)
            if "query_param_key" in proto.DESCRIPTOR.fields_by_name and proto.query_param_key:
                self._building.bound_params.add(proto.query_param_key)

    async def _finished(self, msg: ForwardMsg) -> None:
        status = msg.script_finished
        self.runs += 1
        self.last_status = status
        full = status == ForwardMsg.FINISHED_SUCCESSFULLY
        if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            # the frontend's ForwardMsgCache.incrementRunCount: age the cache by one run
            self._run_count += 1
            fragments = list(msg.metadata.run.fragment_ids)
            for h, c in list(self._cache.items()):
                if fragments and (not c.fragment_id or c.fragment_id not in fragments):
                    continue
                if self._run_count - c.run_count > self._max_cached_age:
                    del self._cache[h]
        if status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
            # a fragment's run (no new_session) replaced only its own elements
            self._shown.elements.update(self._building.elements)
            self._shown.exceptions += self._building.exceptions
            self._building = _Run()
        elif full or status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
            self._shown = self._building
            self._building = _Run()
            waiting = self._waiting
            if waiting is not None and not waiting.done() and self._run_started:
                waiting.set_result(status)
            async with self._changed:
                self._changed.notify_all()

    # --- sending -----------------------------------------------------------------------------

    def _url(self, url_pathname: str, query: str) -> str:
        return f"{self.base_url}/{url_pathname}" + (f"?{query}" if query else "")

    def _page(self, which: str) -> Page:
        for p in self.pages:
            if which in (p.title, p.url_pathname, p.script_hash):
                return p
        raise PageNotFound(f"no page {which!r} in the navigation ({', '.join(p.title for p in self.pages)})")

    def _current_pathname(self) -> str:
        for p in self.pages:
            if p.script_hash == self.page_script_hash:
                return "" if p.is_default else p.url_pathname
        return ""

    async def _rerun(
        self,
        *,
        page_script_hash: str = "",
        page_name: str = "",
        query_string: str = "",
        widgets: list[tuple[str, bool]] = (),
        url_pathname: str = "",
        timeout: float | None = None,
    ) -> float:
        """Send one ``rerun_script`` and wait for its run's ``script_finished``; seconds taken."""
        if self._closed is not None:
            raise StreamError(f"connection lost: {self._closed}")
        state = ClientState(
            query_string=query_string,
            page_script_hash=page_script_hash,
            page_name=page_name,
            cached_message_hashes=list(self._cache),
        )
        for wid, trigger in widgets:
            w = state.widget_states.widgets.add()
            w.id = wid
            w.trigger_value = trigger
        ctx = state.context_info
        ctx.timezone = self.timezone
        ctx.timezone_offset = _context_offset_minutes(self.timezone)
        ctx.locale = self.locale
        ctx.url = self._url(url_pathname, query_string)
        ctx.is_embedded = False
        ctx.color_scheme = "light"
        self._asked_for = page_name or page_script_hash or "(the default page)"
        loop = asyncio.get_running_loop()
        self._waiting = loop.create_future()
        self._run_started = False
        started = time.perf_counter()
        await self._ws.send(BackMsg(rerun_script=state).SerializeToString())
        try:
            status = await asyncio.wait_for(asyncio.shield(self._waiting), timeout or self.timeout)
        except TimeoutError:
            raise ViewTimeout(
                f"no script_finished in {timeout or self.timeout:.0f} s: {self.describe()}"
            ) from None
        finally:
            self._waiting = None
        self.last_seconds = time.perf_counter() - started
        if self._shown.exceptions or status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
            raise ScriptError("; ".join(self._shown.exceptions) or "the script did not compile")
        if self._shown.page_not_found:
            raise PageNotFound(
                f"page not found: {self._shown.page_not_found} (the server ran {self.title()!r} instead)"
            )
        return self.last_seconds

    async def open(self, page_name: str | None = None, *, timeout: float | None = None) -> float:
        """The first run, as a tab opened at ``/<page_name>`` (None or "": the default page)."""
        async with self._lock:
            return await self._rerun(page_name=page_name or "", url_pathname=page_name or "", timeout=timeout)

    async def view(self, page: str, *, timeout: float | None = None) -> float:
        """Go to a page of the navigation (its title, URL path or script hash), as a click on its
        link does; seconds from sending ``rerun_script`` to ``script_finished``."""
        async with self._lock:
            target = self._page(page)
            query = self.query_string
            if target.script_hash != self.page_script_hash:
                bound = self._shown.bound_params
                query = urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k in bound])
            return await self._rerun(
                page_script_hash=target.script_hash,
                query_string=query,
                url_pathname="" if target.is_default else target.url_pathname,
                timeout=timeout,
            )

    def button_id(self, key_or_label: str) -> str:
        """The element id of a button on the page shown: by its key (ids end ``-<key>``) or label."""
        for el in self._shown.elements.values():
            if el.WhichOneof("type") == "button":
                b = el.button
                if b.id.endswith(f"-{key_or_label}") or key_or_label in (b.id, b.label):
                    return b.id
        raise StreamError(f"no button {key_or_label!r} on the page shown")

    async def click_button(self, key_or_label: str, *, timeout: float | None = None) -> float:
        """Press a button (a trigger value for its id) and wait for the rerun; seconds taken."""
        async with self._lock:
            return await self._click(key_or_label, timeout)

    async def _click(self, key_or_label: str, timeout: float | None) -> float:
        return await self._rerun(
            page_script_hash=self.page_script_hash,
            query_string=self.query_string,
            widgets=[(self.button_id(key_or_label), True)],
            url_pathname=self._current_pathname(),
            timeout=timeout,
        )

    # --- what the last finished run rendered -------------------------------------------------

    def elements(self, root: int | None = None) -> list[tuple[tuple[int, ...], Element]]:
        """(delta path, element) of the last finished run, in page order; ``root`` 0 main, 1 sidebar."""
        return sorted(
            (path, el) for path, el in self._shown.elements.items() if root is None or path[:1] == (root,)
        )

    def texts(self, root: int | None = None) -> list[str]:
        """The text bodies shown (headings, markdown and captions, alerts, plain text), in order."""
        out = []
        for _, el in self.elements(root):
            which = el.WhichOneof("type")
            if which in ("heading", "markdown", "alert", "text"):
                out.append(getattr(el, which).body)
        return out

    def captions(self, root: int | None = None) -> list[str]:
        return [
            el.markdown.body
            for _, el in self.elements(root)
            if el.WhichOneof("type") == "markdown" and el.markdown.element_type == Markdown.CAPTION
        ]

    def title(self) -> str | None:
        """The main area's first ``h1`` (``st.title``), as the browser tests read the page heading."""
        for _, el in self.elements(MAIN):
            if el.WhichOneof("type") == "heading" and el.heading.tag == "h1":
                return el.heading.body
        return None

    def html(self) -> list[str]:
        return [el.html.body for _, el in self.elements() if el.WhichOneof("type") == "html"]

    def exceptions(self) -> list[str]:
        return list(self._shown.exceptions)

    def page(self) -> Page | None:
        return next((p for p in self.pages if p.script_hash == self.page_script_hash), None)

    def describe(self) -> str:
        """One line on the tab's state, for a report of a view that did not finish."""
        page = self.page()
        errors = self._shown.exceptions + self._building.exceptions
        return (
            f"script {'running' if self.script_running else 'notRunning'}, heading {self.title()}, "
            f"page {page.url_pathname if page else None}, runs {self.runs}"
            + (f", exceptions: {'; '.join(errors)[:300]}" if errors else "")
            + (f", connection: {self._closed}" if self._closed else "")
        )

    async def wait_rendered(
        self, check: Callable[[StreamSession], bool], timeout: float | None = None
    ) -> None:
        """Wait until a finished run shows what ``check`` looks for (it is asked after every run)."""

        async def until() -> None:
            async with self._changed:
                while not check(self):
                    if self._closed is not None:
                        raise StreamError(f"connection lost: {self._closed}")
                    await self._changed.wait()

        try:
            await asyncio.wait_for(until(), timeout or self.timeout)
        except TimeoutError:
            raise ViewTimeout(
                f"not shown within {timeout or self.timeout:.0f} s: {self.describe()}"
            ) from None

    # --- the page's own poll (dashboard/live_watch.py) ---------------------------------------

    def start_live_poll(
        self, *, route: str, button_key: str, interval: float, attribute: str = "data-iroqa-live"
    ) -> None:
        """Do what the page's script does in a browser: every ``interval`` seconds GET ``route``;
        when its ``fingerprint`` differs from the one the page shows (``attribute`` of a span in an
        ``st.html`` element) and was not pressed for already, press the hidden button ``button_key``
        (a rerun of the whole page). Runs until :meth:`close`."""
        pattern = re.compile(rf'{re.escape(attribute)}="([^"]*)"')
        self._http = httpx.AsyncClient(
            base_url=self.base_url, headers={"Cookie": self.cookie} if self.cookie else {}, timeout=30
        )

        def shown() -> str | None:
            for body in self.html():
                m = pattern.search(body)
                if m:
                    return m.group(1)
            return None

        async def poll() -> None:
            pressed = None
            while True:
                await asyncio.sleep(interval)
                mark = shown()
                if mark is None:
                    continue
                try:
                    r = await self._http.get(route, headers={"Cache-Control": "no-store"})
                    if r.status_code != 200:
                        continue
                    now = r.json().get("fingerprint")
                except (httpx.HTTPError, ValueError):
                    continue
                if now != mark and pressed != now:
                    pressed = now
                    try:
                        async with self._lock:  # a click while a view runs waits for it
                            await self._click(button_key, None)
                    except StreamError:
                        pass  # the next finished run shows what happened; the waiters see it

        self._poller = asyncio.create_task(poll(), name="live-poll")
