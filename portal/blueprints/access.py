"""Who may open what: decorators for routes (htmx partials included)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask_login import current_user

from portal.errors import PermissionDeniedError
from portal.i18n import lazy_gettext as _l
from portal.models import TimesheetPermission, User


def requires(check: Callable[[User], bool], message) -> Callable:
    """A route decorator refusing (403, with ``message``) users for whom ``check`` is false."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not check(current_user):
                raise PermissionDeniedError(str(message))
            return view(*args, **kwargs)

        return wrapped

    return decorator


manager_required = requires(
    lambda user: user.is_manager,
    _l(
        "Les paramètres de la compagnie sont réservés aux gestionnaires (licence de gestion). "
        "Demandez l'accès à un Superadmin de votre compagnie."
    ),
)

superadmin_required = requires(
    lambda user: user.is_company_superadmin,
    _l(
        "Cette section est réservée aux Superadmins de la compagnie. "
        "Demandez l'accès à un Superadmin."
    ),
)


def timesheet_permission_required(level: TimesheetPermission) -> Callable:
    return requires(
        lambda user: user.has_timesheet_permission(level),
        _l(
            "Il faut la permission « %(level)s » sur les feuilles de temps pour cette opération.",
            level=level.label,
        ),
    )
