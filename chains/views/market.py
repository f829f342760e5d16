"""Placeholder: filled in by the market area."""

urlpatterns = []
