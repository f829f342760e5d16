from decimal import Decimal

from reports.targets import program_targets, target


def test_the_seeds_targets_and_which_side_of_them_a_figure_is():
    assert [(t.key, t.value) for t in program_targets()] == [
        ("resolution_rate", Decimal(97)),
        ("loss_ratio", Decimal(4)),
        ("profit_growth", Decimal(12)),
    ]
    assert target("resolution_rate").met(Decimal("98.9")) and not target("resolution_rate").met(Decimal("96.9"))
    assert target("loss_ratio").met(Decimal("3.9")) and not target("loss_ratio").met(Decimal("4.0"))
    assert target("profit_growth").met(None) is None


def test_settings_change_a_target(settings):
    settings.REPORT_TARGET_LOSS_RATIO = 5
    assert target("loss_ratio").value == Decimal(5)
