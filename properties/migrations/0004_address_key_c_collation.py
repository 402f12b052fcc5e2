"""Property.address_key compares bytewise (collation "C") on PostgreSQL, and loses its
varchar_pattern_ops twin.

The key is an upper-case normalized address (properties.addresses.address_key): nobody reads it in
a language's order, so "C" costs nothing, and under "C" the unique index itself serves the
property admin's `address_key LIKE 'STREET|%'` searches, which the twin index was for. Each index
costs every row a bulk import inserts (~5 µs here). SQLite has no such collation and needs nothing.
(A later AlterField of address_key would give the column its default collation back.)
"""
from django.db import migrations


def _like_index_name(schema_editor) -> str:
    # The very name Django's PostgreSQL schema editor gave it when it created the unique field.
    return schema_editor._create_index_name("properties_property", ["address_key"], suffix="_like")


def bytewise(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(_like_index_name(schema_editor))}")
    schema_editor.execute('ALTER TABLE "properties_property" ALTER COLUMN "address_key" TYPE varchar(300) COLLATE "C"')


def default_collation(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('ALTER TABLE "properties_property" ALTER COLUMN "address_key" TYPE varchar(300) COLLATE "default"')
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(_like_index_name(schema_editor))} "
        'ON "properties_property" ("address_key" varchar_pattern_ops)'
    )


class Migration(migrations.Migration):

    dependencies = [
        ("properties", "0003_propertycontact_no_separate_property_index"),
    ]

    operations = [
        migrations.RunPython(bytewise, default_collation, elidable=False),
    ]
