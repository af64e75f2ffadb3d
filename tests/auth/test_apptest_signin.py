"""dashboard/auth.py's sign-in screen, driven with AppTest: a tiny app that calls require_user() and
then writes "hello <name>"."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from accounts import audit, users
from dashboard import auth
from tests.auth.conftest import PASSWORD


def _app() -> None:
    import streamlit as st

    from dashboard import auth

    user = auth.require_user()
    st.write(f"hello {user.name}")
    auth.sign_out_button(user)


def _texts(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def _sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="_iroqa_signin_username").input(username)
    at.text_input(key="_iroqa_signin_password").input(password)
    return at.button[0].click().run()


@pytest.fixture
def app(home, clock) -> AppTest:
    users.add_user(home, "jsmith", role="asm", password=PASSWORD, teams=["T1"], display_name="Jo Smith")
    at = AppTest.from_function(_app, default_timeout=30).run()
    assert not at.exception
    return at


def test_the_sign_in_form_is_shown_and_nothing_else(app):
    assert app.text_input(key="_iroqa_signin_username").label == "Username"
    assert app.text_input(key="_iroqa_signin_password").label == "Password"
    assert "hello" not in _texts(app)


def test_right_password_says_hello(app, home):
    at = _sign_in(app, "jsmith", PASSWORD)
    assert not at.exception and not at.error
    assert "hello Jo Smith" in _texts(at)
    assert "_iroqa_signin_password" not in at.session_state  # nothing of the password is kept
    assert audit.read(home)["action"].to_list() == ["sign_in"]
    # later reruns stay signed in without asking again
    at.run()
    assert "hello Jo Smith" in _texts(at)


def test_wrong_password_gets_the_generic_message(app, home):
    at = _sign_in(app, "jsmith", "not my password")
    assert "hello" not in _texts(at)
    assert [e.value for e in at.error] == [auth.GENERIC_FAILURE]
    assert audit.read(home)["action"].to_list() == ["sign_in_failed"]


def test_enter_after_the_username_asks_for_the_password_and_keeps_the_username(app, home):
    """Enter in the Username field submits the form (a keyboard user's habit): the username stays
    typed and the form asks for the password, instead of clearing both."""
    app.text_input(key="_iroqa_signin_username").input("jsmith")
    at = app.button[0].click().run()
    assert [e.value for e in at.error] == [auth.MISSING_PASSWORD]
    assert at.text_input(key="_iroqa_signin_username").value == "jsmith"
    assert audit.read(home).is_empty(), "a missing password is no attempt"
    at.text_input(key="_iroqa_signin_password").input(PASSWORD)
    at = at.button[0].click().run()
    assert not at.error and "hello Jo Smith" in _texts(at)


def test_a_refused_attempt_keeps_the_username_never_the_password(app):
    at = _sign_in(app, "jsmith", "not my password")
    assert [e.value for e in at.error] == [auth.GENERIC_FAILURE]
    assert at.text_input(key="_iroqa_signin_username").value == "jsmith"
    assert at.text_input(key="_iroqa_signin_password").value == ""
    at = _sign_in(at, "", "x")
    assert [e.value for e in at.error] == [auth.MISSING_BOTH]


def test_disabled_user_gets_the_same_generic_message(app, home):
    users.disable_user(home, "jsmith")
    at = _sign_in(app, "jsmith", PASSWORD)
    assert "hello" not in _texts(at)
    assert [e.value for e in at.error] == [auth.GENERIC_FAILURE]


def test_repeated_failures_lock_the_form(app, clock):
    at = app
    for _ in range(5):
        at = _sign_in(at, "jsmith", "guess guess guess")
    at = _sign_in(at, "jsmith", PASSWORD)
    assert "hello" not in _texts(at) and "Too many failed sign-ins" in at.error[0].value
    clock.advance(61)
    at = _sign_in(at, "jsmith", PASSWORD)
    assert "hello Jo Smith" in _texts(at)


def test_idle_timeout_returns_to_the_sign_in_form(app, clock, home):
    at = _sign_in(app, "jsmith", PASSWORD)
    clock.advance(29 * 60)
    at.run()
    assert "hello Jo Smith" in _texts(at)  # activity keeps the session alive
    clock.advance(31 * 60)
    at.run()
    assert "hello" not in _texts(at)
    assert "30 minutes without activity" in at.info[0].value
    assert audit.read(home)["action"].to_list()[-1] == "session_expired"
    at = _sign_in(at, "jsmith", PASSWORD)
    assert "hello Jo Smith" in _texts(at)


def test_absolute_timeout(app, clock, monkeypatch):
    monkeypatch.setenv("IROQA_SESSION_MAX_HOURS", "1")
    at = _sign_in(app, "jsmith", PASSWORD)
    for _ in range(5):
        clock.advance(15 * 60)
        at.run()
    assert "hello" not in _texts(at) and "1-hour limit" in at.info[0].value


def test_disabling_a_signed_in_user_ends_their_session_at_the_next_run(app, home):
    at = _sign_in(app, "jsmith", PASSWORD)
    users.disable_user(home, "jsmith")
    at.run()
    assert "hello" not in _texts(at)


def test_a_role_change_applies_at_the_next_run(app, home):
    at = _sign_in(app, "jsmith", PASSWORD)
    users.update_user(home, "jsmith", display_name="Jo Smith-Jones")
    at.run()
    assert "hello Jo Smith-Jones" in _texts(at)


def test_sign_out(app, home):
    at = _sign_in(app, "jsmith", PASSWORD)
    at.sidebar.button(key="_iroqa_sign_out").click().run()
    assert "hello" not in _texts(at)
    assert "You have signed out." in at.info[0].value
    assert audit.read(home)["action"].to_list() == ["sign_in", "sign_out"]


def test_a_bad_configuration_refuses_everyone(home, monkeypatch):
    monkeypatch.setenv("IROQA_AUTH_MODE", "proxy")  # without IROQA_TRUSTED_PROXY
    at = AppTest.from_function(_app, default_timeout=30).run()
    assert "hello" not in _texts(at) and "not configured correctly" in at.error[0].value


def test_proxy_mode_signs_in_from_the_trusted_header(home, clock, monkeypatch):
    secret = "p" * 40
    users.add_user(home, "jsmith", role="asm", password=PASSWORD, teams=["T1"], display_name="Jo Smith")
    monkeypatch.setenv("IROQA_AUTH_MODE", "proxy")
    monkeypatch.setenv("IROQA_TRUSTED_PROXY", secret)
    monkeypatch.setattr(
        auth, "_request_headers", lambda: {"X-Forwarded-User": "jsmith", "X-IROQA-Proxy-Secret": secret}
    )
    at = AppTest.from_function(_app, default_timeout=30).run()
    assert "hello Jo Smith" in _texts(at)
    monkeypatch.setattr(auth, "_request_headers", lambda: {"X-Forwarded-User": "jsmith"})
    at = AppTest.from_function(_app, default_timeout=30).run()
    assert "hello" not in _texts(at) and "sign-in gateway" in at.error[0].value
    details = [json.loads(d) for d in audit.read(home)["detail"]]
    assert details[-1] == {"mode": "proxy", "reason": "untrusted_proxy"}


def test_oidc_mode_maps_the_identity_to_the_users_file(home, clock, monkeypatch):
    users.add_user(
        home,
        "jsmith",
        role="asm",
        password=PASSWORD,
        teams=["T1"],
        display_name="Jo Smith",
        email="jo.smith@council.gov.uk",
    )
    monkeypatch.setenv("IROQA_AUTH_MODE", "oidc")
    at = AppTest.from_function(_app, default_timeout=30)
    at.user = {"is_logged_in": False}
    at.run()
    assert at.button(key="_iroqa_oidc_sign_in").label == "Sign in with your council account"
    at = AppTest.from_function(_app, default_timeout=30)
    at.user = {"is_logged_in": True, "email": "jo.smith@council.gov.uk", "name": "Jo"}
    at.run()
    assert "hello Jo Smith" in _texts(at)
    at = AppTest.from_function(_app, default_timeout=30)
    at.user = {"is_logged_in": True, "email": "someone.else@council.gov.uk"}
    at.run()
    assert "hello" not in _texts(at) and "do not have access" in at.error[0].value


def _app_pages() -> None:
    import streamlit as st

    from accounts.access import PAGE_AGGREGATE, PAGE_AUDIT, scope_for
    from dashboard import auth

    user = auth.require_user()
    scope = scope_for(user)
    page = st.radio("page", ["overview", "audit"], key="page")
    teams = st.multiselect("teams", ["T1", "T2", "T3"], key="teams")
    auth.audit_page_view(user, page, {"teams": list(scope.restrict_filters(teams))})
    auth.require_page(user, scope, PAGE_AGGREGATE if page == "overview" else PAGE_AUDIT)
    st.write(f"page {page} for {user.username}")


def test_page_views_are_audited_once_per_change_and_pages_are_guarded(app, home):
    at = AppTest.from_function(_app_pages, default_timeout=30).run()
    at = _sign_in(at, "jsmith", PASSWORD)
    assert "page overview for jsmith" in _texts(at)
    at.run()
    at.run()  # reruns without a change add nothing
    at.multiselect(key="teams").set_value(["T2", "T3"]).run()  # T3 is not the ASM's: cut down to T1
    at.radio(key="page").set_value("audit").run()
    assert "page audit" not in _texts(at) and "not available to your role" in at.error[0].value
    df = audit.read(home)
    # asking for T2 and T3 was cut down to T1, the same filters as before: no new record
    assert df["action"].to_list() == ["sign_in", "page_view", "page_view", "access_denied"]
    views = [json.loads(d) for d in df.filter(df["action"] == "page_view")["detail"]]
    assert views == [
        {"page": "overview", "filters": {"teams": ["T1"]}},
        {"page": "audit", "filters": {"teams": ["T1"]}},
    ]


def test_proxy_sign_out_asks_for_a_reload(home, clock, monkeypatch):
    secret = "p" * 40
    users.add_user(home, "jsmith", role="asm", password=PASSWORD, teams=["T1"], display_name="Jo Smith")
    monkeypatch.setenv("IROQA_AUTH_MODE", "proxy")
    monkeypatch.setenv("IROQA_TRUSTED_PROXY", secret)
    monkeypatch.setattr(
        auth, "_request_headers", lambda: {"X-Forwarded-User": "jsmith", "X-IROQA-Proxy-Secret": secret}
    )
    at = AppTest.from_function(_app, default_timeout=30).run()
    at.sidebar.button(key="_iroqa_sign_out").click().run()
    assert "hello" not in _texts(at) and "Reload the page" in " ".join(c.value for c in at.caption)


def test_oidc_idle_timeout_logs_out_of_the_provider_cookie_and_old_tokens_are_refused(
    home, clock, monkeypatch
):
    users.add_user(
        home,
        "jsmith",
        role="asm",
        password=PASSWORD,
        teams=["T1"],
        display_name="Jo Smith",
        email="jo.smith@council.gov.uk",
    )
    monkeypatch.setenv("IROQA_AUTH_MODE", "oidc")
    at = AppTest.from_function(_app, default_timeout=30)
    at.user = {"is_logged_in": True, "email": "jo.smith@council.gov.uk", "iat": int(clock.now) - 60}
    at.run()
    assert "hello Jo Smith" in _texts(at)
    clock.advance(31 * 60)
    at.run()
    assert "hello" not in _texts(at)
    assert at.user == {"is_logged_in": False}  # st.logout() removed the identity
    assert audit.read(home)["action"].to_list() == ["sign_in", "session_expired"]
    # a token issued more than 8 hours ago is not accepted, however fresh the Streamlit session
    at = AppTest.from_function(_app, default_timeout=30)
    at.user = {"is_logged_in": True, "email": "jo.smith@council.gov.uk", "iat": int(clock.now) - 9 * 3600}
    at.run()
    assert "hello" not in _texts(at) and at.user == {"is_logged_in": False}


# --- OIDC through Streamlit 1.67's own pieces (st.login, the identity cookie, st.user) ----------------

AUTH_SECRETS = {
    "auth": {
        "redirect_uri": "https://iroqa.council.example/oauth2callback",
        "cookie_secret": "s" * 64,
        "client_id": "client-id",
        "client_secret": "client-secret",
        "server_metadata_url": "https://login.example/tenant/v2.0/.well-known/openid-configuration",
    }
}


@pytest.fixture
def auth_secrets(monkeypatch):
    """An ``[auth]`` section where Streamlit's auth code reads it (``at.secrets`` does not reach it)."""
    from streamlit.runtime.secrets import secrets_singleton

    monkeypatch.setattr(secrets_singleton, "_secrets", AUTH_SECRETS)
    return AUTH_SECRETS


def test_oidc_sign_in_button_calls_st_login_which_needs_authlib(home, clock, monkeypatch, auth_secrets):
    """The button calls the real ``st.login``: with Authlib installed (a pinned dependency) and an
    ``[auth]`` section it hands the browser to Streamlit's /auth/login; without Authlib, or with no
    ``[auth]`` section, the app says sign-in is not configured instead of failing quietly."""
    import streamlit.auth_util
    import streamlit.user_info

    monkeypatch.setenv("IROQA_AUTH_MODE", "oidc")
    redirects = []
    original = streamlit.user_info.generate_login_redirect_url
    monkeypatch.setattr(
        streamlit.user_info, "generate_login_redirect_url", lambda p: redirects.append(p) or original(p)
    )
    at = AppTest.from_function(_app, default_timeout=30).run()  # st.user from Streamlit: not logged in
    at.button(key="_iroqa_oidc_sign_in").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert redirects == ["default"]
    assert streamlit.auth_util.is_authlib_installed()

    monkeypatch.setenv("IROQA_OIDC_PROVIDER", "entra")  # named, but not in [auth]: a clear error
    at = AppTest.from_function(_app, default_timeout=30).run()
    at.button(key="_iroqa_oidc_sign_in").click().run()
    assert "not configured correctly" in at.error[0].value and "entra" in at.error[0].value
    monkeypatch.delenv("IROQA_OIDC_PROVIDER")

    monkeypatch.setattr(streamlit.user_info, "is_authlib_installed", lambda: False)
    at = AppTest.from_function(_app, default_timeout=30).run()
    at.button(key="_iroqa_oidc_sign_in").click().run()
    assert "not configured correctly" in at.error[0].value and "Authlib" in at.error[0].value


def test_oidc_identity_cookie_as_streamlit_writes_and_reads_it_maps_to_the_user(home, clock, monkeypatch):
    """The claims reach IRO QA the way Streamlit 1.67 carries them: /oauth2callback stores the ID
    token's claims (Authlib's ``userinfo``) in the identity cookie with ``is_logged_in`` and the
    provider; the WebSocket handler parses that cookie into ``st.user``. Entra ID puts the sign-in
    name in ``preferred_username`` (often no ``email``) and app roles in ``roles``."""
    import time

    from streamlit.web.server.starlette.starlette_websocket import _parse_decoded_user_cookie

    origin = "https://iroqa.council.example"
    claims = {
        "iss": "https://login.example/tenant/v2.0",
        "aud": "client-id",
        "iat": int(time.time()) - 120,
        "exp": int(time.time()) + 3600,
        "name": "Jo",
        "preferred_username": "Jo.Smith@Council.example",
        "roles": ["IROQA.Admin"],
    }
    cookie = json.dumps(dict(claims, origin=origin, is_logged_in=True, provider="default")).encode()
    user_info = _parse_decoded_user_cookie(cookie, origin)
    assert user_info["is_logged_in"] is True and "origin" not in user_info

    monkeypatch.setenv("IROQA_AUTH_MODE", "oidc")
    users.add_user(
        home,
        "jsmith",
        role="asm",
        password=PASSWORD,
        teams=["T1"],
        display_name="Jo Smith",
        email="jo.smith@council.example",
    )
    at = AppTest.from_function(_app, default_timeout=30)
    at.user = user_info
    at.run()
    assert "hello Jo Smith" in _texts(at), "the users file wins over the token's roles"
    assert audit.read(home)["action"].to_list() == ["sign_in"]

    # not in the users file: the role comes from the claim only when configured
    users.disable_user(home, "jsmith")
    monkeypatch.setenv("IROQA_OIDC_ROLE_CLAIM", "roles")
    monkeypatch.setenv("IROQA_OIDC_ROLE_MAP", "IROQA.Admin=admin,IROQA.ASM=asm")
    stranger = dict(user_info, preferred_username="new.person@council.example", name="New Person")
    at = AppTest.from_function(_app, default_timeout=30)
    at.user = stranger
    at.run()
    assert "hello New Person" in _texts(at)
    at = AppTest.from_function(_app, default_timeout=30)
    at.user = user_info  # disabled in the file: no access, whatever the token says
    at.run()
    assert "hello" not in _texts(at) and "do not have access" in at.error[0].value
