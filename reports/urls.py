"""The reports app's pages; each area's view module keeps its own urlpatterns."""

from reports.views import assessment, bulletin, dashboard, dispatch, monthly

urlpatterns = [
    *dashboard.urlpatterns,
    *monthly.urlpatterns,
    *dispatch.urlpatterns,
    *bulletin.urlpatterns,
    *assessment.urlpatterns,
]
