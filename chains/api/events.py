"""Placeholder: filled in by the events area."""

from ninja import Router

router = Router()
