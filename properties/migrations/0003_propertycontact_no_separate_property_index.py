"""PropertyContact.property loses its own index: the unique (property, contact) index starts with
the same column and serves every lookup by property, and each index costs every link a bulk import
inserts."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("properties", "0002_import_runs_owner_name_apn_unique_per_state"),
    ]

    operations = [
        migrations.AlterField(
            model_name="propertycontact",
            name="property",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="contact_links",
                to="properties.property",
            ),
        ),
    ]
