"""Pages of the enterprise registry: the list, the profile (企业画像), create and edit, the tag dictionary."""

from django.shortcuts import render
from django.urls import path

from accounts.models import STAFF_ROLES, Role
from accounts.scope import get_for_user, scoped
from core.pagination import paginate
from core.permissions import role_required
from enterprises.models import Enterprise


@role_required(*STAFF_ROLES)
def enterprise_list(request):
    # Placeholder until the registry pages are built.
    page = paginate(request, scoped(request.user, Enterprise.objects.select_related("region")))
    return render(request, "enterprises/registry/enterprise_list.html", {"page": page})


@role_required(*STAFF_ROLES, Role.ENTERPRISE)
def enterprise_detail(request, pk):
    enterprise = get_for_user(request.user, Enterprise.objects.select_related("region"), pk=pk)
    return render(request, "enterprises/registry/enterprise_detail.html", {"enterprise": enterprise})


urlpatterns = [
    path("enterprises/", enterprise_list, name="enterprise_list"),
    path("enterprises/<int:pk>/", enterprise_detail, name="enterprise_detail"),
]
