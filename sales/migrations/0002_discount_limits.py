from decimal import Decimal

from django.db import migrations

DEFAULTS = {"agent": Decimal("10"), "supervisor": Decimal("25"), "admin": Decimal("100")}


def create_limits(apps, schema_editor):
    DiscountLimit = apps.get_model("sales", "DiscountLimit")
    for role, percent in DEFAULTS.items():
        DiscountLimit.objects.get_or_create(role=role, defaults={"max_percent": percent})


def remove_limits(apps, schema_editor):
    apps.get_model("sales", "DiscountLimit").objects.filter(role__in=DEFAULTS).delete()


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]

    operations = [migrations.RunPython(create_limits, remove_limits)]
