"""The category dictionary of the issue (融资, 用工, …) and DESIGN.md §4's default deadlines."""

from django.db import migrations

CATEGORIES = [
    ("financing", "融资"),
    ("labour", "用工"),
    ("electricity", "用电"),
    ("land", "用地"),
    ("gas_water", "用气用水"),
    ("logistics", "物流"),
    ("policy_delivery", "政策兑现"),
    ("approvals", "审批手续"),
    ("legal_disputes", "法律纠纷"),
    ("market", "市场开拓"),
    ("innovation", "技术创新"),
    ("infrastructure", "配套设施"),
    ("environment", "环境"),
    ("other", "其他"),
]

# urgency: (working days to accept, working days to resolve)
DEFAULTS = {"normal": (1, 5), "urgent": (1, 3), "complex": (1, 15)}


def load(apps, schema_editor):
    CaseCategory = apps.get_model("cases", "CaseCategory")
    DeadlineRule = apps.get_model("cases", "DeadlineRule")
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        CaseCategory.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order * 10})
    for urgency, (accept_days, resolve_days) in DEFAULTS.items():
        DeadlineRule.objects.update_or_create(
            category=None, urgency=urgency, defaults={"accept_days": accept_days, "resolve_days": resolve_days}
        )


def unload(apps, schema_editor):
    apps.get_model("cases", "DeadlineRule").objects.filter(category=None).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
