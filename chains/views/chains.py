"""Placeholder: filled in by the chains area."""

urlpatterns = []
