"""Signing in and out, and the language switch, in a real browser."""

from __future__ import annotations

from playwright.sync_api import expect


def test_sign_in_switch_language_and_sign_out(page, live_server, make_user, sign_in):
    user = make_user("manager", first_name="Luc", last_name="Gagnon")
    sign_in(user)
    expect(page.get_by_role("navigation", name="Navigation principale")).to_contain_text(
        "Feuilles de temps"
    )
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Français")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/connexion")


def test_wrong_password_is_refused_with_a_message(page, live_server, make_user):
    user = make_user("employee")
    page.goto(f"{live_server}/connexion")
    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_have_text("Courriel ou mot de passe incorrect.")
