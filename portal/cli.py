"""The ``portal`` command: Flask's CLI plus the portal's own commands."""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    pass


def _create_app():
    from portal import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, help="Portail chantier.")
