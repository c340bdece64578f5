"""Admin for index generations: start one (the add form), build progress and ETA, check, switch, roll back, drop.

It lives with the evaluations because the check action runs their side-by-side comparison.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from rag_app.errors import ServiceError
from rag_app.evals.generation_check import generation_check
from rag_app.index import lifecycle, selectors
from rag_app.index import service as index
from rag_app.index.models import Generation
from rag_app.providers.kinds import choices


class GenerationStartForm(forms.ModelForm[Generation]):
    """A new generation needs only its embeddings endpoint; the build is queued on save."""

    kind = forms.ChoiceField(choices=choices, label="Embeddings provider")

    class Meta:
        model = Generation
        fields = ["kind", "model", "base_url"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        busy = Generation.objects.filter(index_name=index.name(), state=Generation.State.BUILDING).first()
        if busy is not None:
            raise forms.ValidationError(f"Generation {busy.number} is still building: wait for it, or drop it first.")
        return data


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin[Generation]):
    list_display = ["number", "index_name", "state", "endpoint", "progress", "eta", "checked", "created_at"]
    list_filter = ["state", "index_name"]
    actions = ["check_recent", "switch", "force_switch", "rollback", "drop"]
    readonly_fields = [
        "index_name",
        "number",
        "kind",
        "model",
        "base_url",
        "state",
        "progress",
        "eta",
        "check_result",
        "error",
        "created_at",
        "switched_at",
        "build_started_at",
        "build_finished_at",
        "lease_expires_at",
        "worker",
    ]

    def get_form(self, request: HttpRequest, obj: Generation | None = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = GenerationStartForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Generation | None = None) -> list[str]:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Generation | None = None) -> Any:
        return self.readonly_fields if obj is not None else ["kind", "model", "base_url"]

    def save_model(self, request: HttpRequest, obj: Generation, form: Any, change: bool) -> None:
        if change:
            return  # nothing of a generation is edited by hand
        try:
            row = lifecycle.generation_start(kind=obj.kind, model=obj.model, base_url=obj.base_url)
        except ServiceError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        obj.pk = row.pk
        self.message_user(request, f"Generation {row.number} is building in the background.")

    def has_delete_permission(self, request: HttpRequest, obj: Generation | None = None) -> bool:
        return False  # the drop action deletes collections first; a row is history

    @admin.display(description="endpoint")
    def endpoint(self, obj: Generation) -> str:
        return f"{obj.kind}:{obj.model}" if obj.kind else "configured embedder"

    @admin.display(description="progress")
    def progress(self, obj: Generation) -> str:
        return selectors.generation_progress(obj).line()

    @admin.display(description="time left")
    def eta(self, obj: Generation) -> str:
        eta = selectors.generation_progress(obj).eta_seconds
        return "" if eta is None else f"{eta:.0f} s"

    @admin.display(description="check")
    def checked(self, obj: Generation) -> str:
        return "" if obj.check_worse is None else ("worse" if obj.check_worse else "not worse")

    @admin.display(description="last side-by-side check")
    def check_result(self, obj: Generation) -> str:
        return format_html("<pre>{}</pre>", obj.check_output) if obj.check_output else "not checked yet"

    def _one(self, request: HttpRequest, queryset: QuerySet[Generation]) -> Generation | None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one generation.", messages.WARNING)
            return None
        return queryset.get()

    def _do(self, request: HttpRequest, work: Any) -> None:
        try:
            self.message_user(request, work())
        except (ServiceError, ValueError) as exc:
            self.message_user(request, str(exc), messages.ERROR)

    @admin.action(description="Check against the live generation (recent questions)")
    def check_recent(self, request: HttpRequest, queryset: QuerySet[Generation]) -> None:
        row = self._one(request, queryset)
        if row is not None:
            self._do(request, lambda: " / ".join(generation_check(number=row.number, source="recent")[2]))

    @admin.action(description="Switch: make it live (refused if checked worse)")
    def switch(self, request: HttpRequest, queryset: QuerySet[Generation]) -> None:
        row = self._one(request, queryset)
        if row is not None:
            self._do(request, lambda: f"{lifecycle.generation_switch(number=row.number)} is live.")

    @admin.action(description="Switch even if unchecked or worse")
    def force_switch(self, request: HttpRequest, queryset: QuerySet[Generation]) -> None:
        row = self._one(request, queryset)
        if row is not None:
            self._do(request, lambda: f"{lifecycle.generation_switch(number=row.number, force=True)} is live.")

    @admin.action(description="Roll back to the last kept generation")
    def rollback(self, request: HttpRequest, queryset: QuerySet[Generation]) -> None:
        self._do(request, lambda: f"Rolled back: {lifecycle.generation_rollback()} is live.")

    @admin.action(description="Drop (delete its collections; not the live one)")
    def drop(self, request: HttpRequest, queryset: QuerySet[Generation]) -> None:
        row = self._one(request, queryset)
        if row is not None:
            self._do(request, lambda: f"{lifecycle.generation_drop(number=row.number)}.")
