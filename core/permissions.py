from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.scope import has_role


def role_required(*roles: str):
    """A page for some roles only: signed-out users go to the login page, other roles get 403."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied(_("This page is not available to your role."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
