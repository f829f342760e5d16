"""Pages of the policies app: public (being built)."""

urlpatterns: list = []
