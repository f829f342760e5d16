"""Pages of the policies app: matching (being built)."""

urlpatterns: list = []
