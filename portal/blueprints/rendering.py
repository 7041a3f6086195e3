"""One URL, two renderings: the fragment for htmx requests aimed at it, the page otherwise;
and the streamed CSV downloads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Response, render_template, stream_with_context
from flask_htmx import make_response

from portal.extensions import htmx
from portal.web import toast


def page_or_fragment(
    page: str, fragment: str, fragment_target: str | None = None, **context: Any
) -> str:
    """Render ``fragment`` for an htmx request (aimed at ``fragment_target`` when given)."""
    if htmx and (fragment_target is None or htmx.target == fragment_target):
        return render_template(fragment, **context)
    return render_template(page, **context)


def fragment_with_toast(
    template: str,
    toast_message: str,
    level: str = "success",
    *,
    retarget: str | None = None,
    **context: Any,
):
    """A fragment response that also shows a toast (HX-Trigger), optionally swapped elsewhere."""
    extra = {"retarget": retarget, "reswap": "outerHTML"} if retarget else {}
    return make_response(
        render_template(template, **context), trigger=toast(toast_message, level), **extra
    )


def csv_download(chunks: Iterator[bytes], name: str) -> Response:
    """A CSV download streamed from ``chunks`` (``services/spreadsheet``), as ``name``.csv."""
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
