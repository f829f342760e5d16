"""(in progress)"""

from django.http import HttpResponse
from django.urls import path

from accounts.scope import get_for_user
from cases.models import Case


def case_detail(request, pk):
    case = get_for_user(request.user, Case, pk=pk)
    return HttpResponse(case.number)


urlpatterns = [path("cases/<int:pk>/", case_detail, name="case_detail")]
