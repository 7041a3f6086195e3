"""French is the source language; every message of the code has its English translation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def test_every_message_in_the_code_is_translated_to_english(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(template),
            ".",  # babel.cfg's patterns (portal/**.py, portal/templates/**.html) are from here
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    english = _catalog(ROOT / "portal/translations/en/LC_MESSAGES/messages.po")
    extracted = _catalog(template)
    assert len(extracted) > 500  # the extraction really read the code and templates
    missing = []
    for message in extracted:
        if not message.id:
            continue
        translated = english.get(message.id)
        strings = translated.string if translated is not None else ""
        if not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(message.id)
    assert not missing, f"untranslated (run scripts/i18n.sh, then translate): {missing[:10]}"


def test_english_is_served_when_chosen(client, make_user, auth):
    auth.login(make_user("manager"))
    client.post("/langue", data={"locale": "en_CA", "next": "/parametres/metiers"})
    page = client.get("/parametres/metiers").text
    assert "Trades" in page and "Métiers" not in page
    assert '<html lang="en">' in page
