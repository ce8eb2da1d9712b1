"""A municipality's participation in a round moves from matching."""


import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('municipalities', '0002_questionnaire_housingunit_and_more'),
        ('rounds', '0001_initial'),
    ]

    operations = [
        # A municipality's participation in a round moves from matching: the state only, the table stays
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='questionnaire',
                    name='round',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='questionnaires', to='rounds.round'),
                ),
                migrations.CreateModel(
                    name='RoundMunicipality',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('invited_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('pledged_persons', models.PositiveIntegerField(blank=True, null=True, verbose_name='pledged persons')),
                        ('pledged_at', models.DateTimeField(blank=True, null=True, verbose_name='pledged')),
                        ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='participations', to='municipalities.municipality')),
                        ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='participations', to='rounds.round')),
                    ],
                    options={
                        'verbose_name': 'participating municipality',
                        'verbose_name_plural': 'participating municipalities',
                        'db_table': 'matching_roundmunicipality',
                        'ordering': ('municipality__name',),
                        'constraints': [models.UniqueConstraint(fields=('round', 'municipality'), name='unique_round_muni')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
