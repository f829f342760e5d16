"""Pages of the policies app: grants (being built)."""

urlpatterns: list = []
