"""Loads the shipped Kemendagri hierarchy so every fresh database has its regions."""

from django.db import migrations


def forwards(apps, schema_editor):
    from berdaya.regions import loader

    Region = apps.get_model("regions", "Region")
    loader.load(Region, loader.rows_for(loader.shipped_full_provinces()))


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
