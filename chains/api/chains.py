"""Placeholder: filled in by the chains area."""

from ninja import Router

router = Router()
