import django_remodel.operations
from django.db import migrations


class Migration(migrations.Migration):

    # Batches commit one by one.
    atomic = False

    dependencies = [
        ('normalizeapp', '0002_normalize_server_location_name'),
    ]

    operations = [
        django_remodel.operations.NormalizeColumn(
            model_name='Device',
            field_name='site_name',
            fk_name='site',
            target_model='normalizeapp.Site',
            target_field='name',
            empty_as_null=True,
            batch_size=500,
            lock_timeout_ms=2000,
        ),
    ]
