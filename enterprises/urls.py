"""The registry's pages; each area's view module keeps its own urlpatterns."""

from enterprises.views import figures, imports, linkage, plans, pools, registry, visits

urlpatterns = [
    *registry.urlpatterns,
    *figures.urlpatterns,
    *pools.urlpatterns,
    *linkage.urlpatterns,
    *visits.urlpatterns,
    *plans.urlpatterns,
    *imports.urlpatterns,
]
