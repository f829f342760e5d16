"""Pages of the reports app: dashboard (being built)."""

urlpatterns: list = []
