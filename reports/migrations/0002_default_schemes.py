from django.db import migrations

from reports.defaults import create_templates


def forwards(apps, schema_editor):
    create_templates(apps.get_model("reports", "AssessmentScheme"), apps.get_model("reports", "AssessmentItem"))


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
