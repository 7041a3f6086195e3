"""A sync against a server whose employee listing never ends: it fails, bounded and explained."""

from __future__ import annotations

import html

import pytest

from portal.extensions import db
from portal.models import RecordLink, RunStatus, SyncSection, User
from tests.avantage.hostile import HostileServer, endless


@pytest.mark.parametrize(
    ("per_page", "total", "created"),
    [
        (500, 1, 0),  # the report: 500 new employees a page, a new cursor, total 1
        (50, 120, 100),  # the third page would pass 120 (+ the margin of 10)
    ],
)
def test_an_endless_listing_fails_the_run_without_creating_past_the_total(
    connect, sync_now, client, per_page: int, total: int, created: int
) -> None:
    users_before = db.session.scalar(db.select(db.func.count(User.id)))
    with HostileServer(endless(per_page, total), max_lists=6) as server:
        run = sync_now(connect(server), SyncSection.EMPLOYEES)
    assert run.status == RunStatus.FAILED
    assert run.error["type"] == "ListingOverrunError"
    received = created + per_page
    assert f"{received} éléments reçus alors qu'il en annonçait {total}" in run.error["message_fr"]
    assert f"{received} items received while it announced {total}" in run.error["message_en"]
    new_users = db.session.scalar(db.select(db.func.count(User.id))) - users_before
    assert new_users == run.created == created <= total
    assert db.session.scalar(db.select(db.func.count(RecordLink.id))) == created
    assert server.lists <= created // per_page + 2

    shown = f"/synchro/executions/{run.id}"
    page = html.unescape(client.get(shown).text)
    assert run.error["message_fr"] in page and run.error["fix_fr"] in page
    client.post("/langue", data={"locale": "en_CA", "next": shown})
    page = html.unescape(client.get(shown).text)
    assert run.error["message_en"] in page and run.error["fix_en"] in page
