"""The policies app's pages; each area's view module keeps its own urlpatterns."""

from policies.views import grants, library, matching, public

urlpatterns = [*library.urlpatterns, *public.urlpatterns, *matching.urlpatterns, *grants.urlpatterns]
