"""A full-text index on passage text for keyword search (PostgreSQL only; SQLite ranks in Python)."""

from django.db import migrations

INDEX = "notes_notechunk_text_search"
# The expression Django's SearchVector("text", config="english") produces, so queries use the index.
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON notes_notechunk "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
