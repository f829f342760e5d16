"""Pages of the reports app: monthly (being built)."""

urlpatterns: list = []
