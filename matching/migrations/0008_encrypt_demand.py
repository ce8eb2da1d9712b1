"""Proposal and offer demand hold wheelchair-accessible and psychotherapy places, derived from
health needs: they move into encrypted columns (a new column, copied in Python, then renamed, so
no row is ever readable as plain JSON and existing data survives on every database)."""

from django.db import migrations

import refugees.fields


def seal(apps, schema_editor):
    for name in ("Proposal", "Offer"):
        model = apps.get_model("matching", name)
        batch = []
        for row in model.objects.only("pk", "demand").iterator(chunk_size=2000):
            row.demand_sealed = row.demand or {}
            batch.append(row)
            if len(batch) == 2000:
                model.objects.bulk_update(batch, ["demand_sealed"])
                batch = []
        model.objects.bulk_update(batch, ["demand_sealed"])


def seal_run_files(apps, schema_editor):
    """Run files written in plain JSON are encrypted in place (the readers accept both)."""
    from core.crypto import encrypt_bytes, is_encrypted

    Run = apps.get_model("matching", "Run")
    for run in Run.objects.exclude(instance_file="", result_file="").iterator():
        for field in (run.instance_file, run.result_file):
            if not field or not field.storage.exists(field.name):
                continue
            with field.storage.open(field.name, "rb") as handle:
                content = handle.read()
            if is_encrypted(content):
                continue
            with field.storage.open(field.name, "wb") as handle:
                handle.write(encrypt_bytes(content))


def unseal(apps, schema_editor):
    for name in ("Proposal", "Offer"):
        model = apps.get_model("matching", name)
        for row in model.objects.only("pk", "demand_sealed").iterator(chunk_size=2000):
            model.objects.filter(pk=row.pk).update(demand=row.demand_sealed or {})


class Migration(migrations.Migration):
    dependencies = [("matching", "0007_run_stability_sensitivity")]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="demand_sealed",
            field=refugees.fields.EncryptedJSONField(null=True, verbose_name="places needed"),
        ),
        migrations.AddField(
            model_name="offer",
            name="demand_sealed",
            field=refugees.fields.EncryptedJSONField(null=True, verbose_name="places needed"),
        ),
        migrations.RunPython(seal, unseal),
        migrations.RunPython(seal_run_files, migrations.RunPython.noop),
        migrations.RemoveField(model_name="proposal", name="demand"),
        migrations.RemoveField(model_name="offer", name="demand"),
        migrations.RenameField(model_name="proposal", old_name="demand_sealed", new_name="demand"),
        migrations.RenameField(model_name="offer", old_name="demand_sealed", new_name="demand"),
        migrations.AlterField(
            model_name="proposal",
            name="demand",
            field=refugees.fields.EncryptedJSONField(default=dict, verbose_name="places needed"),
        ),
        migrations.AlterField(
            model_name="offer",
            name="demand",
            field=refugees.fields.EncryptedJSONField(default=dict, verbose_name="places needed"),
        ),
    ]
