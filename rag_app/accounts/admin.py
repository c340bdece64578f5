"""Admin for API tokens: staff see every token (never a secret) and revoke any by deleting it."""

from django.contrib import admin

from rag_app.accounts.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens listed by owner; a secret cannot be created or read here."""

    list_display = ["name", "owner", "prefix", "created_at", "last_used_at", "expires_at"]
    search_fields = ["name", "prefix", "owner__username"]
    readonly_fields = ["owner", "name", "prefix", "digest", "created_at", "last_used_at", "expires_at"]

    def has_add_permission(self, request: object) -> bool:
        return False  # a token made here would have no secret anyone saw: people make their own
