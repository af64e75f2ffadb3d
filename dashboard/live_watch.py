"""Open pages show a new build within about a second, for almost no server CPU while they sit idle.

Streamlit's own way (``st.fragment(run_every=1)``) reruns a fragment on the server every second for
every open tab: about 0.07 s of CPU per tab per second, so a room of 30 idle tabs needs two cores
just to sit there. When the app is served by ``dashboard/server.py`` the page asks instead: a few
lines of script in the page fetch ``/api/live`` every ``PAGE_CHECK_SECONDS`` (0.5 s; a route beside
Streamlit's own that reads the live pointer and the rebuilder's status files: about 1.7 ms of
server CPU an answer, and no script run; a hidden tab asks every tenth time, and at once when it is
shown again) and, only when the answer differs from what the page shows, press a hidden "Show the
new figures" button, which reruns the whole page as any click does (filters and selections kept).
Without the route (``streamlit run dashboard/app.py``, AppTest) ``app.py`` keeps the fragment.

The route answers a fingerprint (a short hash of the live build's id and the rebuild state), not
the id itself, and nothing about the data: it needs no sign-in."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import streamlit as st

from warehouse import live as live_builds
from warehouse.store import LiveBuild, read_live

ROUTE = "/api/live"
BUTTON_KEY = "_iroqa_new_build"
CONTAINER_KEY = "_iroqa_live_watch"


def state_words(
    current: LiveBuild | None, status: live_builds.RebuildStatus, problem: str | None = None
) -> tuple[str, str]:
    """(state, words for the sidebar): updating, failed (the latest update, or a damaged live file:
    "Figures as of <time>; the latest update failed: <reason>") or built."""
    from dashboard import ui

    updating = status.state in ("building", "starting") or (status.running and status.pending)
    if problem and not updating:
        return "failed", ui.update_failed_line(current, problem)
    if updating:
        return "updating", ":material/sync: Updating…"
    if status.state == "backing_off" or (status.last_error and status.consecutive_failures):
        return "failed", ui.update_failed_line(current, status.last_error)
    if current is not None:
        return "built", (
            f"Figures as built {ui.short_date(date.fromisoformat(current.built_at[:10]))} "
            f"{current.built_at[11:16]} UTC"
        )
    return "none", ""


def fingerprint(current: LiveBuild | None, state: str) -> str:
    return hashlib.sha256(f"{current.build_id if current else ''}|{state}".encode()).hexdigest()[:16]


def current_fingerprint() -> str:
    current = read_live()
    state, _ = state_words(current, live_builds.rebuild_status())
    return fingerprint(current, state)


async def live_route(request):
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    value = await run_in_threadpool(current_fingerprint)
    return JSONResponse({"fingerprint": value}, headers={"Cache-Control": "no-store"})


def routes() -> list:
    from starlette.routing import Route

    return [Route(ROUTE, live_route, methods=["GET"])]


_SCRIPT = """<style>.st-key-%(container)s { display: none; }</style>
<span data-iroqa-live="%(fingerprint)s"></span>
<script>(function () {
  if (window.__iroqaLiveWatch) return;
  var ticks = 0, asking = false;
  async function check() {
    var mark = document.querySelector('[data-iroqa-live]');
    if (!mark || asking) return;
    asking = true;
    try {
      var r = await fetch(new URL('api/live', window.location.href).pathname, {cache: 'no-store'});
      if (!r.ok) return;
      var now = (await r.json()).fingerprint;
      mark = document.querySelector('[data-iroqa-live]');  // the page may have rerun meanwhile
      if (mark && now !== mark.dataset.iroqaLive && mark.dataset.pressed !== now) {
        mark.dataset.pressed = now;
        var b = document.querySelector('.st-key-%(button)s button');
        if (b) b.click();
      }
    } catch (e) {
    } finally {
      asking = false;
    }
  }
  window.__iroqaLiveWatch = setInterval(function () {
    ticks += 1;
    if (document.visibilityState === 'hidden' && ticks %% %(hidden_every)d) return;
    check();
  }, %(interval)d);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') check();
  });
})();</script>"""


def watch(current: LiveBuild | None, state: str) -> None:
    """The page's side: the shown build's fingerprint, the hidden button and the polling script
    (in a hidden container: nothing on screen, nothing in the accessibility tree)."""
    with st.container(key=CONTAINER_KEY):
        st.html(
            _SCRIPT
            % {
                "container": CONTAINER_KEY,
                "fingerprint": json.dumps(fingerprint(current, state))[1:-1],
                "button": BUTTON_KEY,
                "interval": int(live_builds.PAGE_CHECK_SECONDS * 1000),
                "hidden_every": live_builds.HIDDEN_CHECK_EVERY,
            },
            unsafe_allow_javascript=True,
        )
        st.button("Show the new figures", key=BUTTON_KEY)  # a click is a rerun: nothing else to do
