"""Pages of the reports app: dispatch (being built)."""

urlpatterns: list = []
