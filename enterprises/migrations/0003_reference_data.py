"""Load the GB/T 4754-2017 industry table and the office's starting tag dictionary."""

import csv
from pathlib import Path

from django.db import migrations

INDUSTRY_CSV = Path(__file__).resolve().parent.parent / "data" / "industries_gbt4754_2017.csv"

LEVELS = ("section", "division", "group")

TAGS = [
    ("srdi", "专精特新"),
    ("little_giant", "小巨人"),
    ("single_champion", "单项冠军"),
    ("innovative_sme", "创新型中小企业"),
    ("high_tech", "高新技术企业"),
    ("tech_sme", "科技型中小企业"),
    ("chain_leader", "链主"),
    ("listed", "上市"),
    ("foreign_trade", "外贸"),
]


def load(apps, schema_editor):
    Industry = apps.get_model("enterprises", "Industry")
    Tag = apps.get_model("enterprises", "Tag")
    with INDUSTRY_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows.sort(key=lambda row: (LEVELS.index(row["level"]), row["code"]))  # parents before their children
    sections = {}
    for row in rows:
        sections[row["code"]] = row["code"] if row["level"] == "section" else sections[row["parent"]]
    Industry.objects.bulk_create(
        [
            Industry(
                code=row["code"],
                name=row["name"],
                level=row["level"],
                parent_id=row["parent"] or None,
                section=sections[row["code"]],
            )
            for row in rows
        ]
    )
    Tag.objects.bulk_create(
        [Tag(code=code, name=name, sort_order=index * 10) for index, (code, name) in enumerate(TAGS, start=1)]
    )


def unload(apps, schema_editor):
    apps.get_model("enterprises", "Tag").objects.all().delete()
    Industry = apps.get_model("enterprises", "Industry")
    for level in ("group", "division", "section"):
        Industry.objects.filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0002_registry")]

    operations = [migrations.RunPython(load, unload)]
