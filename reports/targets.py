"""The program targets the dashboards measure the jurisdiction against: resolution rate ≥ 97 % (seed 004,
动态解决率), loss ratio of above-scale industry < 4 % and profit growth ≥ 12 % (seed 000, 总体目标).
Settings may change them (REPORT_TARGET_*), since each program sets its own."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    value: Decimal
    # "min": the figure must reach the value; "max_exclusive": it must stay below it.
    kind: str

    def met(self, figure: Decimal | None) -> bool | None:
        if figure is None:
            return None
        return figure >= self.value if self.kind == "min" else figure < self.value


def program_targets() -> list[Target]:
    return [
        Target(
            "resolution_rate",
            _("Resolution rate"),
            Decimal(str(getattr(settings, "REPORT_TARGET_RESOLUTION_RATE", 97))),
            "min",
        ),
        Target(
            "loss_ratio",
            _("Loss ratio of above-scale industry"),
            Decimal(str(getattr(settings, "REPORT_TARGET_LOSS_RATIO", 4))),
            "max_exclusive",
        ),
        Target(
            "profit_growth",
            _("Profit growth of above-scale industry"),
            Decimal(str(getattr(settings, "REPORT_TARGET_PROFIT_GROWTH", 12))),
            "min",
        ),
    ]


def target(key: str) -> Target:
    return next(t for t in program_targets() if t.key == key)
