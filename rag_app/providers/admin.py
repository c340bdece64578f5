"""Admin console for providers: pick per role, test a connection before saving, see health and calls."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from rag_app.providers import config, kinds
from rag_app.providers.base import ROLES, Endpoint, Health
from rag_app.providers.config import setting_endpoint
from rag_app.providers.environment import environment_rows
from rag_app.providers.health import check, health_refresh
from rag_app.providers.models import ProviderCall, ProviderHealth, ProviderSetting, Slot


class ProviderSettingForm(forms.ModelForm[ProviderSetting]):
    """API keys are write-only: never shown, kept when left blank, removed only on request."""

    api_key = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only. Leave blank to keep the stored key.",
    )
    clear_api_key = forms.BooleanField(required=False, label="Remove the stored API key")

    class Meta:
        model = ProviderSetting
        fields = [
            "role",
            "slot",
            "kind",
            "enabled",
            "model",
            "base_url",
            "api_key",
            "timeout_seconds",
            "max_in_flight",
            "batch_size",
            "num_ctx",
            "keep_alive",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("api_key") and not data.get("clear_api_key") and self.instance.pk:
            data["api_key"] = ProviderSetting.objects.get(pk=self.instance.pk).api_key
        role, kind, slot = data.get("role"), data.get("kind"), data.get("slot")
        if role == "embeddings" and slot == Slot.FALLBACK:
            raise forms.ValidationError(
                "Embeddings never fail over: another model's vectors would not be comparable with the index."
            )
        if kind in kinds.KINDS and role in ROLES and role not in kinds.KINDS[kind].classes:
            able = ", ".join(kinds.serving(role))
            raise forms.ValidationError(f"The {kind} provider cannot serve the {role} role; choose {able}.")
        base_url = data.get("base_url") or ""
        if base_url and not base_url.startswith(("http://", "https://")):
            self.add_error("base_url", "Start the URL with http:// or https://")
        return data


def _describe(health: Health) -> str:
    facts = [f"{health.latency_ms} ms"]
    if health.context_length:
        facts.append(f"context {health.context_length} tokens")
    if health.embedding_dimension:
        facts.append(f"{health.embedding_dimension}-d embeddings")
    return ", ".join(facts)


def _names(error: str, endpoint: Endpoint) -> bool:
    """Whether a connection error already says which endpoint it is about (by label or address)."""
    address = endpoint.base_url.rstrip("/").removesuffix("/v1")
    return endpoint.label in error or bool(address and address in error)


@admin.register(ProviderSetting)
class ProviderSettingAdmin(admin.ModelAdmin[ProviderSetting]):
    """Choose which provider serves each role; changes reach running processes within seconds."""

    form = ProviderSettingForm
    change_form_template = "admin/providers/providersetting/change_form.html"
    change_list_template = "admin/providers/providersetting/change_list.html"
    list_display = ["role", "slot", "kind", "model", "base_url", "enabled", "key_set", "health", "updated_at"]
    list_filter = ["role", "kind", "enabled"]
    actions = ["test_connection"]
    fields = [
        "role",
        "slot",
        "kind",
        "enabled",
        "model",
        "base_url",
        "api_key",
        "clear_api_key",
        "timeout_seconds",
        "max_in_flight",
        "batch_size",
        "num_ctx",
        "keep_alive",
    ]

    @admin.display(boolean=True, description="API key")
    def key_set(self, obj: ProviderSetting) -> bool:
        return bool(obj.api_key)

    @admin.display(description="last check")
    def health(self, obj: ProviderSetting) -> str:
        row = ProviderHealth.objects.filter(role=obj.role, slot=obj.slot).first()
        if row is None:
            return "not checked"
        return f"{'ok' if row.ok else 'DOWN'} ({row.latency_ms} ms) {row.error[:80]}"

    def _test(self, request: HttpRequest, row: ProviderSetting) -> None:
        endpoint = setting_endpoint(row)
        if endpoint is None:
            messages.error(request, f"{row.kind} cannot serve the {row.role} role.")
            return
        result = check(endpoint, row.role)  # type: ignore[arg-type]
        where = f"{endpoint.label} at {endpoint.base_url or 'this process'}"
        if result.ok:
            messages.success(request, f"Connected to {where}: {_describe(result)}.")
        elif _names(result.error, endpoint):  # the error names the endpoint already: say it once
            messages.error(request, f"The connection test failed: {result.error}")
        else:
            messages.error(request, f"{where} failed the test: {result.error}")

    def _recheck(self, request: HttpRequest, role: str) -> None:
        """Test the role's providers now, so the health badge shows the change at once (not within a minute)."""
        config.invalidate()
        for health in health_refresh((next(r for r in ROLES if r == role),)):
            if not health.ok:
                messages.warning(request, f"{health.role} {health.slot} ({health.kind}:{health.model}): {health.error}")

    def save_model(self, request: HttpRequest, obj: ProviderSetting, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self._recheck(request, obj.role)

    def delete_model(self, request: HttpRequest, obj: ProviderSetting) -> None:
        super().delete_model(request, obj)
        self._recheck(request, obj.role)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ProviderSetting]) -> None:
        roles = set(queryset.values_list("role", flat=True))
        super().delete_queryset(request, queryset)
        for role in sorted(roles):
            self._recheck(request, role)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra = {**(extra_context or {}), "environment_rows": environment_rows()}
        return super().changelist_view(request, extra)

    @admin.action(description="Test connection")
    def test_connection(self, request: HttpRequest, queryset: QuerySet[ProviderSetting]) -> None:
        for row in queryset:
            self._test(request, row)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and "_test_connection" in request.POST:
            return self._test_unsaved(request, object_id, form_url)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _test_unsaved(self, request: HttpRequest, object_id: str | None, form_url: str) -> HttpResponse:
        """Test what is in the form, without saving it, and show the form again."""
        obj = self.get_object(request, object_id) if object_id else None
        form = self.get_form(request, obj, change=obj is not None)(request.POST, instance=obj)
        if form.is_valid():
            self._test(request, form.save(commit=False))
        admin_form = helpers.AdminForm(
            form,
            list(self.get_fieldsets(request, obj)),  # type: ignore[arg-type]
            self.get_prepopulated_fields(request, obj),
            self.get_readonly_fields(request, obj),
            model_admin=self,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Change provider setting" if obj else "Add provider setting",
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
        }
        return self.render_change_form(request, context, add=obj is None, change=obj is not None, obj=obj)


@admin.register(ProviderHealth)
class ProviderHealthAdmin(admin.ModelAdmin[ProviderHealth]):
    """The latest connection test per role and slot."""

    list_display = ["role", "slot", "kind", "model", "ok", "latency_ms", "error", "checked_at"]
    readonly_fields = [f.name for f in ProviderHealth._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ProviderCall)
class ProviderCallAdmin(admin.ModelAdmin[ProviderCall]):
    """Every call: provider, model, latency, time to first token, tokens."""

    list_display = ["created_at", "role", "kind", "model", "ok", "latency_ms", "first_token_ms", "completion_tokens"]
    list_filter = ["role", "kind", "ok"]
    readonly_fields = [f.name for f in ProviderCall._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
