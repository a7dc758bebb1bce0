"""Who may open a portal page: checked on the server for every page (a hidden link is not a
permission)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from accounts.http import AuthenticatedHttpRequest

R = TypeVar("R", bound=HttpResponseBase)


def company_admin_required(view: Callable[..., R]) -> Callable[..., R]:
    """Signed in as a company admin, or 403; a hidden link is not a permission."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args, **kwargs) -> R:
        if not request.user.is_company_admin:
            # Shown on the 403 page: it guards Users and Roles and the license pages alike.
            raise PermissionDenied("Only company admins can open this page.")
        return view(request, *args, **kwargs)

    return wrapper


def message_validation_error(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)
