from django.db import migrations

# priority: first response in minutes (warned at 80 % of it)
DEFAULTS = {"urgent": 15, "high": 30, "normal": 60, "low": 4 * 60}


def create_targets(apps, schema_editor):
    ResponseTarget = apps.get_model("sla", "ResponseTarget")
    for priority, minutes in DEFAULTS.items():
        ResponseTarget.objects.get_or_create(priority=priority, defaults={"minutes": minutes, "warning_percent": 80})


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(create_targets, migrations.RunPython.noop)]
