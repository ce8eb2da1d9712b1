"""GDPR: households remember when they were anonymised; health-related needs are encrypted at rest.

The needs columns change from boolean/JSON to Fernet tokens: the plain columns are renamed, the
encrypted ones added, every row copied through the field (which encrypts), the plain ones dropped.
Reversible, so a rollback decrypts again."""

from django.db import migrations, models

import refugees.fields
import refugees.models

HEALTH = ("wheelchair", "psychotherapy", "specialist_care", "care_needs")
BATCH = 1000


def _copy(apps, source: str, target: str) -> None:
    Needs = apps.get_model("refugees", "Needs")
    batch = []
    for needs in Needs.objects.order_by("pk").iterator(chunk_size=BATCH):
        for name in HEALTH:
            setattr(needs, target.format(name), getattr(needs, source.format(name)))
        batch.append(needs)
        if len(batch) >= BATCH:
            Needs.objects.bulk_update(batch, [target.format(n) for n in HEALTH])
            batch = []
    if batch:
        Needs.objects.bulk_update(batch, [target.format(n) for n in HEALTH])


def encrypt(apps, schema_editor) -> None:
    _copy(apps, "{}_plain", "{}")


def decrypt(apps, schema_editor) -> None:
    _copy(apps, "{}", "{}_plain")


class Migration(migrations.Migration):
    dependencies = [
        ("refugees", "0002_household_profile"),
    ]

    operations = [
        migrations.AddField(
            model_name="household",
            name="anonymised_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="anonymised"
            ),
        ),
        *[
            migrations.RenameField(model_name="needs", old_name=name, new_name=f"{name}_plain")
            for name in HEALTH
        ],
        migrations.AddField(
            model_name="needs",
            name="wheelchair",
            field=refugees.fields.EncryptedBooleanField(
                default=False, verbose_name="wheelchair-accessible housing"
            ),
        ),
        migrations.AddField(
            model_name="needs",
            name="psychotherapy",
            field=refugees.fields.EncryptedBooleanField(default=False, verbose_name="psychotherapy"),
        ),
        migrations.AddField(
            model_name="needs",
            name="specialist_care",
            field=refugees.fields.EncryptedJSONField(
                blank=True,
                default=list,
                validators=[refugees.models._specialist_care_values],
                verbose_name="specialist care",
            ),
        ),
        migrations.AddField(
            model_name="needs",
            name="care_needs",
            field=refugees.fields.EncryptedBooleanField(
                default=False, verbose_name="care needs (Pflegebedarf)"
            ),
        ),
        migrations.RunPython(encrypt, decrypt),
        *[migrations.RemoveField(model_name="needs", name=f"{name}_plain") for name in HEALTH],
    ]
