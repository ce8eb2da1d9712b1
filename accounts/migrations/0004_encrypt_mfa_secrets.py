"""TOTP secrets and recovery-code seeds written in plain text before accounts.adapter.MFAAdapter
encrypted them are encrypted in place."""

from django.db import migrations

SECRET_KEYS = ("secret", "seed")


def seal(apps, schema_editor):
    from accounts.adapter import ENCRYPTED_PREFIX, MFAAdapter

    adapter = MFAAdapter()
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.all():
        data = dict(authenticator.data or {})
        changed = False
        for key in SECRET_KEYS:
            value = data.get(key)
            if isinstance(value, str) and not value.startswith(ENCRYPTED_PREFIX):
                data[key] = adapter.encrypt(value)
                changed = True
        if changed:
            Authenticator.objects.filter(pk=authenticator.pk).update(data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_prohibit_null_characters"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
