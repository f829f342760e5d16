"""Placeholder: filled in by the events area."""

urlpatterns = []
