"""Round, RoundMunicipality and RoundHousehold leave matching."""


import django.db.models.deletion
from django.db import migrations, models


MOVED = {"round": "rounds", "roundmunicipality": "municipalities", "roundhousehold": "refugees"}


def move_content_types(apps, schema_editor, back=False):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app_label in MOVED.items():
        old, new = ("matching", app_label) if not back else (app_label, "matching")
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, back=True)


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('refugees', '0005_roundhousehold_moved'),
        ('evaluation', '0002_round_moved'),
        ('matching', '0005_prohibit_null_characters'),
        ('municipalities', '0003_roundmunicipality_moved'),
        ('rounds', '0001_initial'),
    ]

    operations = [
        # Round, RoundMunicipality and RoundHousehold leave matching: the state only, the tables stay
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='round',
                    name='created_by',
                ),
                migrations.AlterField(
                    model_name='offer',
                    name='round',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='offers', to='rounds.round'),
                ),
                migrations.AlterField(
                    model_name='pairrule',
                    name='round',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pair_rules', to='rounds.round'),
                ),
                migrations.AlterField(
                    model_name='run',
                    name='round',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='runs', to='rounds.round'),
                ),
                migrations.RemoveConstraint(
                    model_name='roundhousehold',
                    name='unique_round_household',
                ),
                migrations.RemoveConstraint(
                    model_name='roundmunicipality',
                    name='unique_round_muni',
                ),
                migrations.RemoveField(
                    model_name='roundmunicipality',
                    name='municipality',
                ),
                migrations.RemoveField(
                    model_name='roundmunicipality',
                    name='round',
                ),
                migrations.DeleteModel(
                    name='RoundHousehold',
                ),
                migrations.DeleteModel(
                    name='Round',
                ),
                migrations.DeleteModel(
                    name='RoundMunicipality',
                ),
            ],
            database_operations=[],
        ),
        # Rows that named the old model (admin history, permissions) keep pointing at it.
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
