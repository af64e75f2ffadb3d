"""The served app: ``streamlit run dashboard/server.py`` (what ``iroqa serve`` runs).

``st.App`` is Streamlit's supported way to serve a script with routes of its own; IRO QA adds one,
``/api/session``, which sets the HttpOnly session cookie that keeps a person signed in across
reloads and new tabs (dashboard/sessions.py), and ``/api/live``, which open pages poll to show a new
build without rerunning on the server every second (dashboard/live_watch.py). The script is
``app.py`` beside this file."""

import streamlit as st

from dashboard import live_watch, sessions

sessions.route_mounted = True
app = st.App("app.py", routes=[*sessions.routes(), *live_watch.routes()])
