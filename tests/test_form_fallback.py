"""Every form says how it is sent without htmx.

htmx wires a swapped-in form a moment after it appears; a click in that moment, or a browser
without JavaScript, submits it natively. A form with no ``method`` is then sent as a GET to the
current page, with every field, passwords included, in the address bar and the server's logs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "portal" / "templates"
FORM = re.compile(r"(<form\b[^>]*>)(.*?)</form>", re.S)
METHOD = re.compile(r"""\smethod=["'](get|post)["']""", re.I)
INCLUDE = re.compile(r"""\{%\s*include\s+["']([^"']+)["']\s*%\}""")
ACTION = re.compile(r"""\saction=["']""")


def source(path: Path) -> str:
    """The template with its includes inlined, as the browser receives it."""
    text = path.read_text(encoding="utf-8")
    return INCLUDE.sub(lambda include: source(TEMPLATES / include.group(1)), text)


def forms() -> list[tuple[str, str, str]]:
    return [
        (str(path.relative_to(TEMPLATES)), tag, body)
        for path in sorted(TEMPLATES.rglob("*.html"))
        for tag, body in FORM.findall(source(path))
    ]


@pytest.mark.parametrize(("template", "tag", "body"), forms())
def test_a_form_declares_its_method_and_action(template, tag, body):
    method = METHOD.search(tag)
    assert method, f"{template}: {tag}"
    if "hx-get" in tag or "hx-post" in tag:  # a fragment's page is not the form's route
        assert ACTION.search(tag), f"{template}: {tag}"
    if "hx-post" in tag:
        assert method.group(1).lower() == "post", f"{template}: {tag}"
    if method.group(1).lower() == "post":  # htmx sends the token in a header; a form must carry it
        assert "csrf_token" in body, f"{template}: {tag}"
