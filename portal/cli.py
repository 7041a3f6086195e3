"""The ``portal`` command: Flask's CLI (``run``, ``db``, …) plus the portal's own commands."""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup

from portal.avantage.cli import avantage_cli, simulator_command
from portal.avantage.office_cli import office_cli
from portal.errors import ValidationError
from portal.extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_company_command)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(rotate_keys_command)


@click.command("create-company")
@click.argument("name")
@click.option("--admin-email", required=True, help="Courriel du premier Superadmin.")
@click.option("--first-name", default="Administrateur", show_default=True)
@click.option("--last-name", default="Principal", show_default=True)
@click.option(
    "--password",
    envvar="PORTAL_ADMIN_PASSWORD",
    default=None,
    help="Mot de passe (sinon lu de PORTAL_ADMIN_PASSWORD, ou demandé).",
)
def create_company_command(
    name: str, admin_email: str, first_name: str, last_name: str, password: str | None
) -> None:
    """Onboard a customer: a company and its first Superadmin."""
    from portal.services import onboarding

    if password is None:
        password = click.prompt(
            "Mot de passe du Superadmin", hide_input=True, confirmation_prompt=True
        )
    try:
        company, admin = onboarding.create_company(
            name, admin_email, first_name, last_name, password
        )
    except ValidationError as error:
        db.session.rollback()
        for message in error.field_errors.values() or [error.message]:
            click.echo(f"Erreur : {message}", err=True)
        raise SystemExit(2) from None
    db.session.commit()
    click.echo(f"Compagnie « {company.name} » créée (n° {company.id}).")
    click.echo(f"Superadmin : {admin.email}")


@click.command("demo-data")
@click.option("--seed", default=42, show_default=True, help="Même graine, mêmes données.")
@click.option(
    "--avantage-url",
    default="tcp://127.0.0.1:2131",
    show_default=True,
    help="Le simulateur MainTCP de la démo (point d'accès par défaut).",
)
def demo_data_command(seed: int, avantage_url: str) -> None:
    """Create the demo company (once) and print its logins."""
    from portal.models import Company, User
    from portal.services import demo_data

    existing = db.session.scalar(db.select(Company).where(Company.name == demo_data.DEMO_COMPANY))
    if existing is not None:
        click.echo(f"La compagnie de démonstration existe déjà (n° {existing.id}).")
        logins = demo_data.logins_of(existing)
        superadmin = db.session.scalar(
            db.select(User).where(User.company_id == existing.id, User.email == logins[0].email)
        )
        demo_data.connect_demo_avantage(existing, superadmin, avantage_url)
        db.session.commit()
    else:
        today = datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()
        demo = demo_data.create_demo_company(today, avantage_url=avantage_url, seed=seed)
        db.session.commit()
        click.echo(f"Compagnie de démonstration créée : {demo.company.name}")
        logins = demo.logins
    click.echo(f"Mot de passe de toutes les connexions : {demo_data.DEMO_PASSWORD}")
    for login in logins:
        click.echo(f"  {login.role:<28} {login.name:<26} {login.email}")
    click.echo(
        f"Avantage (simulateur) : {avantage_url}, utilisateur "
        f"{demo_data.DEMO_AVANTAGE_USER}, clé de chiffrement configurée."
    )


@click.command("rotate-keys")
@click.option("--new-key", is_flag=True, help="Afficher une nouvelle clé, sans rien chiffrer.")
def rotate_keys_command(new_key: bool) -> None:
    """Re-encrypt every stored secret with the first key of ENCRYPTION_KEYS.

    Rotation: put a new key (``--new-key``) first in ENCRYPTION_KEYS, keep the old ones after
    it, run this command, then remove the old keys.
    """
    from portal import crypto
    from portal.services import integrations

    if new_key:
        click.echo(crypto.new_key())
        return
    try:
        count = integrations.reencrypt_secrets()
    except crypto.SecretUnreadableError as error:
        db.session.rollback()
        click.echo(f"Erreur : {error}. Rien n'a été modifié.", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(
        f"Secrets chiffrés de nouveau avec la clé la plus récente : {count} point(s) "
        "d'accès. Vous pouvez retirer les anciennes clés de ENCRYPTION_KEYS."
    )


def _create_app() -> Flask:
    from portal import create_app

    return create_app()


main = FlaskGroup(
    create_app=_create_app, help="Portail chantier.", set_debug_flag=False, load_dotenv=False
)
# The Avantage commands need no app: they talk to MainTCP (or are it, for the simulator).
main.add_command(avantage_cli)
main.add_command(simulator_command)
main.add_command(office_cli)
os.environ.setdefault("FLASK_APP", "portal")
