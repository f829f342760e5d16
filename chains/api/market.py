"""Placeholder: filled in by the market area."""

from ninja import Router

router = Router()
