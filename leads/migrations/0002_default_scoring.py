"""The scoring table of the product brief, as rows supervisors can edit."""

from django.db import migrations


def create_defaults(apps, schema_editor):
    from leads.scoring import scoring_defaults_ensure

    scoring_defaults_ensure(apps.get_model("leads", "ScoringRule"), apps.get_model("leads", "ScoringSettings"))


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
