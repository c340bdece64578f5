"""Carry DRF authtoken tokens over, hashed, so integrations keep working; then empty the plain-text table.

rest_framework.authtoken is no longer installed, so its table is read with SQL where it exists (older
databases) and ignored where it never did (new ones). Its rows are deleted after the import: a table of
secrets in plain text would defeat storing them hashed. The table itself stays (its migrations are recorded).
"""

import hashlib

from django.db import migrations

TABLE = "authtoken_token"


def import_authtoken(apps, schema_editor):
    connection = schema_editor.connection
    if TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {TABLE}")
        rows = cursor.fetchall()
        for key, user_id, created in rows:
            token = ApiToken.objects.create(
                owner_id=user_id,
                name="Imported API token",
                prefix=key[:8],
                digest=hashlib.sha256(key.encode()).hexdigest(),
            )
            ApiToken.objects.filter(pk=token.pk).update(created_at=created)  # auto_now_add ignores a given value
        cursor.execute(f"DELETE FROM {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(import_authtoken, migrations.RunPython.noop)]
