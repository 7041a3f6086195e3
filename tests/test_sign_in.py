"""Signing in and out: limits per (e-mail, address) pair and per address, timing that does not
tell which e-mails exist, sessions that really end, and ProxyFix only for trusted proxies."""

from __future__ import annotations

import statistics
import time

import pytest

from portal import session_lifetime
from portal.extensions import db
from portal.models import User
from portal.services import login_throttle
from tests.fixtures.database import separate_app
from tests.fixtures.factories import PASSWORD

TOO_MANY = "Trop de tentatives de connexion."


def sign_in(app, email: str, password: str, address: str = "198.51.100.7", headers=None):
    """One attempt from a fresh browser at ``address``."""
    client = app.test_client()
    response = client.post(
        "/connexion",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers or {},
    )
    return client, response


def fail(app, email: str, address: str, times: int) -> None:
    for _ in range(times):
        _, response = sign_in(app, email, "pas-le-bon", address)
        assert response.status_code == 200
        assert "Courriel ou mot de passe incorrect." in response.text


# --- limits -------------------------------------------------------------------------------------


def test_failures_slow_down_that_email_from_that_address_only(app, make_user):
    """5 wrong passwords from one address do not lock the real user out elsewhere."""
    victim = make_user("employee")
    fail(app, victim.email, "203.0.113.5", 5)
    _, blocked = sign_in(app, victim.email, PASSWORD, "203.0.113.5")
    assert blocked.status_code == 429
    assert TOO_MANY in blocked.text
    assert "1 minute" in blocked.text  # the first tier: a short wait, not a lock
    client, elsewhere = sign_in(app, victim.email, PASSWORD, "198.51.100.20")
    assert elsewhere.status_code == 302
    assert client.get("/feuilles-de-temps/").status_code == 200


def test_the_wait_grows_with_the_failures(app, make_user):
    """Past the second tier (10 in 15 minutes) the wait is counted in minutes, not one."""
    victim = make_user("employee")
    fail(app, victim.email, "203.0.113.6", 5)
    # Rather than wait out the first minute, count five more failures as it would let through.
    for _ in range(5):
        login_throttle.record_failure(victim.email, "203.0.113.6")
    _, blocked = sign_in(app, victim.email, PASSWORD, "203.0.113.6")
    assert blocked.status_code == 429
    minutes = int(blocked.text.split("Réessayez dans ")[1].split(" minute")[0])
    assert 2 <= minutes <= 15


def test_failures_from_one_address_lock_nobody_else_out_until_its_own_limit(app, make_user):
    """An office behind one NAT address: a few failures by anyone block nobody else there;
    a flood from it is throttled there only."""
    app.config["LOGIN_LIMITS_PER_ADDRESS"] = "8/15 minutes"
    colleague = make_user("employee")
    for n in range(8):
        fail(app, f"inconnu{n}@exemple.ca", "203.0.113.7", 1)
        if n == 4:  # five strangers' failures: the colleague still signs in
            assert sign_in(app, colleague.email, PASSWORD, "203.0.113.7")[1].status_code == 302
    _, blocked = sign_in(app, colleague.email, PASSWORD, "203.0.113.7")
    assert blocked.status_code == 429
    _, elsewhere = sign_in(app, colleague.email, PASSWORD, "203.0.113.9")
    assert elsewhere.status_code == 302


def test_a_spoofed_forwarded_for_is_ignored_without_trusted_proxies(app, make_user):
    app.config["LOGIN_LIMITS_PER_ADDRESS"] = "3/15 minutes"
    user = make_user("employee")
    for n in range(3):
        sign_in(app, f"x{n}@exemple.ca", "x", "203.0.113.10", {"X-Forwarded-For": f"10.0.0.{n}"})
    _, blocked = sign_in(app, user.email, PASSWORD, "203.0.113.10", {"X-Forwarded-For": "10.9.9.9"})
    assert blocked.status_code == 429


@pytest.fixture
def proxied_app(app):
    """The same database behind one trusted reverse proxy (``TRUSTED_PROXIES=1``)."""
    shared = ("SQLALCHEMY_DATABASE_URI", "REDIS_URL", "SECRET_KEY", "TESTING")
    with separate_app(
        {
            **{key: app.config[key] for key in shared},
            "INSTANCE_PATH": app.instance_path,
            "TRUSTED_PROXIES": 1,
            "LOGIN_LIMITS_PER_ADDRESS": "3/15 minutes",
        }
    ) as behind:
        yield behind


def test_behind_a_trusted_proxy_each_client_address_counts(proxied_app, make_user):
    user = make_user("employee")
    proxy = "192.0.2.1"
    for n in range(3):
        sign_in(proxied_app, f"x{n}@exemple.ca", "x", proxy, {"X-Forwarded-For": "203.0.113.50"})
    _, blocked = sign_in(
        proxied_app, user.email, PASSWORD, proxy, {"X-Forwarded-For": "203.0.113.50"}
    )
    assert blocked.status_code == 429
    _, other_client = sign_in(
        proxied_app, user.email, PASSWORD, proxy, {"X-Forwarded-For": "203.0.113.51"}
    )
    assert other_client.status_code == 302  # the proxy's own address is not what counts


# --- timing -------------------------------------------------------------------------------------


def test_an_unknown_email_costs_what_a_wrong_password_costs(app, make_user):
    """Same-moment pairs: the answer's time does not tell whether the e-mail exists."""
    user = make_user("employee")
    user.set_password("un-vrai-mot-de-passe")  # the real hasher, as for every account
    db.session.commit()
    known, unknown = [], []
    for n in range(6):
        for email, times in ((user.email, known), (f"personne{n}@exemple.ca", unknown)):
            started = time.perf_counter()
            sign_in(app, email, "pas-le-bon", f"198.51.100.{100 + n}")
            times.append(time.perf_counter() - started)
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2, f"unknown/known = {ratio:.2f}"


# --- sessions -----------------------------------------------------------------------------------


def test_a_cookie_copied_before_logout_opens_nothing_after(app, make_user):
    make_user("superadmin")
    manager = make_user("manager")
    client, response = sign_in(app, manager.email, PASSWORD)
    assert response.status_code == 302
    copied = client.get_cookie("session").value
    assert client.post("/deconnexion").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", copied)
    assert replay.get("/feuilles-de-temps/").status_code == 302  # to the sign-in page
    posted = replay.post(
        "/parametres/licences/nouveau",
        data={
            "first_name": "Intrus",
            "last_name": "Test",
            "email": "intrus@exemple.ca",
            "licence": "none",
            "timesheet_permission": "limited",
        },
    )
    assert posted.status_code == 302
    assert "/connexion" in posted.headers["Location"]
    assert db.session.scalar(db.select(User).where(User.email == "intrus@exemple.ca")) is None


@pytest.mark.parametrize(
    ("signed_in_ago", "seen_ago", "still_open"),
    [
        (3600, 60, True),
        (3600, 8 * 3600 + 60, False),  # idle past 8 h
        (12 * 3600 + 60, 60, False),  # open past 12 h, though busy
        (None, None, False),  # a cookie from before the times were kept
    ],
)
def test_sessions_end_when_idle_or_too_old(app, make_user, signed_in_ago, seen_ago, still_open):
    user = make_user("employee")
    client, _ = sign_in(app, user.email, PASSWORD)
    now = int(time.time())
    with client.session_transaction() as session:
        for key, ago in (
            (session_lifetime.SIGNED_IN_AT, signed_in_ago),
            (session_lifetime.SEEN_AT, seen_ago),
        ):
            if ago is None:
                session.pop(key)
            else:
                session[key] = now - ago
    page = client.get("/feuilles-de-temps/")
    assert page.status_code == (200 if still_open else 302)


def test_the_cookie_lasts_the_idle_timeout_not_31_days(app, make_user):
    user = make_user("employee")
    _, response = sign_in(app, user.email, PASSWORD)
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "Expires=" in cookie
    assert app.permanent_session_lifetime.total_seconds() == app.config["SESSION_IDLE_SECONDS"]
    assert app.config["SESSION_IDLE_SECONDS"] == 8 * 3600


@pytest.mark.parametrize(("seen_ago", "sent_again"), [(5, False), (90, True)])
def test_the_cookie_is_sent_again_only_when_the_activity_moved_a_minute(
    app, make_user, seen_ago, sent_again
):
    """A page polled twice a second does not get its session signed and sent back on every
    poll; a request a minute later records the activity, and the idle timeout starts over."""
    user = make_user("employee")
    client, _ = sign_in(app, user.email, PASSWORD)
    client.get("/feuilles-de-temps/")  # the first page stores the form's CSRF token
    seen_at = int(time.time()) - seen_ago
    with client.session_transaction() as session:
        session[session_lifetime.SEEN_AT] = seen_at
    page = client.get("/feuilles-de-temps/")
    assert page.status_code == 200
    cookies = [c for c in page.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert bool(cookies) is sent_again
    with client.session_transaction() as session:
        assert (session[session_lifetime.SEEN_AT] > seen_at) is sent_again
