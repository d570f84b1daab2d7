from django.db import migrations

# priority: (first response, resolution), in minutes
DEFAULTS = {
    "critical": (30, 8 * 60),
    "high": (2 * 60, 24 * 60),
    "medium": (8 * 60, 3 * 24 * 60),
    "low": (24 * 60, 5 * 24 * 60),
}


def create_policies(apps, schema_editor):
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    for priority, (first_response, resolution) in DEFAULTS.items():
        SlaPolicy.objects.get_or_create(
            priority=priority, defaults={"first_response_minutes": first_response, "resolution_minutes": resolution}
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(create_policies, migrations.RunPython.noop)]
