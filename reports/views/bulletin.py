"""Pages of the reports app: bulletin (being built)."""

urlpatterns: list = []
