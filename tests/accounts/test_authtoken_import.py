"""The data migration: DRF authtoken tokens from before keep working, hashed, and leave no plain copy."""

import hashlib
import importlib

import pytest
from django.apps import apps
from django.db import connection
from rest_framework.test import APIClient

from rag_app.accounts.models import ApiToken

pytestmark = pytest.mark.django_db

migration = importlib.import_module("rag_app.accounts.migrations.0002_import_authtoken")


def test_old_drf_tokens_are_imported_hashed_and_the_plain_table_emptied(alice):
    old_key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # the shape DRF's Token.key had: 40 hex
    with connection.cursor() as cursor:
        # The table as rest_framework.authtoken's migrations left it on databases from before.
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz NOT NULL,"
            " user_id integer NOT NULL UNIQUE)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, '2026-01-02T03:04:05Z', %s)", [old_key, alice.pk])
    with connection.schema_editor() as editor:
        migration.import_authtoken(apps, editor)

    token = ApiToken.objects.get(owner=alice)
    assert token.digest == hashlib.sha256(old_key.encode()).hexdigest()
    assert token.prefix == old_key[:8]
    assert token.created_at.year == 2026
    assert token.created_at.month == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")  # the integration's old header, unchanged
    assert api.get("/api/documents/").status_code == 200


def test_a_database_that_never_had_authtoken_is_left_alone(alice):
    with connection.schema_editor() as editor:
        migration.import_authtoken(apps, editor)
    assert not ApiToken.objects.exists()
