"""A household's entry into a round moves from matching."""


import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('refugees', '0004_prohibit_null_characters'),
        ('rounds', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # A household's entry into a round moves from matching: the state only, the table stays
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='RoundHousehold',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('added_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('added_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('household', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='round_entries', to='refugees.household')),
                        ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entries', to='rounds.round')),
                    ],
                    options={
                        'verbose_name': 'household in round',
                        'verbose_name_plural': 'households in round',
                        'db_table': 'matching_roundhousehold',
                        'constraints': [models.UniqueConstraint(fields=('round', 'household'), name='unique_round_household')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
