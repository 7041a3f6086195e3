"""Fixtures for the Avantage integration screens: a Superadmin and an integration."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import PartnerType
from portal.services import integrations


@pytest.fixture
def superadmin(make_user, auth):
    return auth.login(make_user("superadmin"))


@pytest.fixture
def integration(superadmin):
    integration = integrations.create_integration(
        superadmin.company_id, superadmin, "AVANTAGE", PartnerType.AVANTAGE.value
    )
    db.session.commit()
    return integration


@pytest.fixture
def add_point(superadmin, integration):
    """Add an access point to ``integration`` through the service, committed."""

    def add(url: str, user: str = "portail", password: str = "secret-123", key: str = ""):
        point = integrations.save_access_point(
            superadmin.company_id,
            superadmin,
            integration,
            integrations.AccessPointData(
                url=url, username=user, password=password, encryption_key=key
            ),
            allow_private=True,
        )
        db.session.commit()
        return point

    return add
