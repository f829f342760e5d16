"""The issue's policy categories as the shipped dictionary (the office may add more)."""

from django.db import migrations

CATEGORIES = [
    ("funding", "资金奖补"),
    ("tax", "税费减免"),
    ("financing", "融资支持"),
    ("talent", "人才用工"),
    ("land", "用地"),
    ("energy", "用能"),
    ("innovation", "科技创新"),
    ("market", "市场开拓"),
]


def load(apps, schema_editor):
    PolicyCategory = apps.get_model("policies", "PolicyCategory")
    for position, (code, name) in enumerate(CATEGORIES):
        PolicyCategory.objects.get_or_create(code=code, defaults={"name": name, "sort_order": position})


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
