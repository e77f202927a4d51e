"""JSON views over staff logins and their profiles."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from accounts import queries


@require_GET
def staff_directory(request: HttpRequest) -> JsonResponse:
    """All active staff with a profile."""
    return JsonResponse({"staff": queries.staff_directory()})


@require_GET
def profile_detail(request: HttpRequest, user_id: int) -> JsonResponse:
    """One login's contact card; 404 when the login has no profile."""
    user = get_object_or_404(queries.users_with_profiles(), pk=user_id)
    return JsonResponse(queries.contact_card(user))


@require_GET
@login_required
def my_profile(request: HttpRequest) -> JsonResponse:
    """The signed-in user's own card."""
    user = get_object_or_404(User.objects.select_related("profile"), pk=request.user.pk)
    if not hasattr(user, "profile"):
        return JsonResponse({"detail": "This login has no profile yet."}, status=404)
    return JsonResponse(queries.contact_card(user))
