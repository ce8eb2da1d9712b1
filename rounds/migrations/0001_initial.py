"""Round moves from matching."""


import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('matching', '0005_prohibit_null_characters'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Round moves from matching: the state only, the table matching_round stays as it is
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Round',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('questionnaire', 'Questionnaires open'), ('matching', 'Matching'), ('closed', 'Closed')], default='draft', max_length=20, verbose_name='status')),
                        ('questionnaire_opens', models.DateField(verbose_name='questionnaire opens')),
                        ('questionnaire_deadline', models.DateField(verbose_name='questionnaire deadline')),
                        ('arrival_date', models.DateField(help_text="School and Kita needs are derived from the children's ages on this date.", verbose_name='planned arrival date')),
                        ('offer_reply_days', models.PositiveSmallIntegerField(default=7, verbose_name='days to answer an offer')),
                        ('weights', models.JSONField(blank=True, default=dict, verbose_name='criteria weights')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed')),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'round',
                        'verbose_name_plural': 'rounds',
                        'db_table': 'matching_round',
                        'ordering': ('-created_at',),
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
