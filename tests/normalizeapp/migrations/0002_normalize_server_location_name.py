import django_remodel.operations
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('normalizeapp', '0001_initial'),
    ]

    operations = [
        django_remodel.operations.NormalizeColumn(
            model_name='Server',
            field_name='location_name',
            fk_name='location',
            target_model='Location',
            target_field='name',
            strip=True,
        ),
    ]
