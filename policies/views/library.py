"""Pages of the policies app: library (being built)."""

urlpatterns: list = []
