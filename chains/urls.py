"""The chains app's pages; each area's view module keeps its own urlpatterns."""

from chains.views import chains, events, market

urlpatterns = [*chains.urlpatterns, *market.urlpatterns, *events.urlpatterns]
