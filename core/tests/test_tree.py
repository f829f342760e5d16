"""Materialised-path trees (units, regions): subtree queries and moving a subtree."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Unit


def test_paths_nest_under_parents(county):
    assert county.gxj_sme.path.startswith(county.gxj.path) and county.gxj.path.startswith(county.gov.path)
    assert (county.gov.depth, county.gxj.depth, county.gxj_sme.depth) == (0, 1, 2)
    assert set(county.gxj.descendants().values_list("code", flat=True)) == {"430522-GXJ", "430522-GXJ-ZXQY"}


def test_moving_a_unit_moves_its_subtree(county):
    county.gxj.parent = county.fgj
    county.gxj.save()
    sme = Unit.objects.get(pk=county.gxj_sme.pk)
    assert sme.path == f"{county.fgj.path}{county.gxj.pk:08d}/{sme.pk:08d}/"
    assert sme.depth == 3
    assert set(county.fgj.descendants().values_list("code", flat=True)) == {
        "430522-FGJ",
        "430522-GXJ",
        "430522-GXJ-ZXQY",
    }


def test_a_unit_cannot_be_placed_under_its_own_descendant(county):
    gxj = Unit.objects.get(pk=county.gxj.pk)
    gxj.parent = county.gxj_sme
    with pytest.raises(ValidationError):
        gxj.full_clean()
