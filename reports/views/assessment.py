"""Pages of the reports app: assessment (being built)."""

urlpatterns: list = []
