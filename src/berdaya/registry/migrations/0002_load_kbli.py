"""Loads the shipped KBLI 2020 structure so every fresh database has it (see data/SOURCES.md)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from berdaya.registry import reference

    Kbli = apps.get_model("registry", "Kbli")
    reference.load_kbli(Kbli, reference.read_kbli())


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
