"""Round moved to the rounds app."""


import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('evaluation', '0001_initial'),
        ('rounds', '0001_initial'),
    ]

    operations = [
        # Round moved to the rounds app: the foreign keys point to the same table
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='comparison',
                    name='round',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comparisons', to='rounds.round'),
                ),
                migrations.AlterField(
                    model_name='survey',
                    name='round',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='surveys', to='rounds.round'),
                ),
            ],
            database_operations=[],
        ),
    ]
