"""The browser's forms for notes: parse what a page posts (the services decide what is allowed)."""

from __future__ import annotations

from typing import Any

from django import forms


class NoteForm(forms.Form):
    """Title, Markdown body and comma-separated tags; version is the one the editor started from."""

    title = forms.CharField(required=False, strip=False)
    body = forms.CharField(required=False, strip=False)
    tags = forms.CharField(required=False)
    version = forms.IntegerField(required=False, min_value=0)
    preview = forms.CharField(required=False)  # the "Preview" button: render, do not save

    def wants_preview(self) -> bool:
        """Whether the Preview button was pressed (its field is present, whatever its value)."""
        return "preview" in self.data


class PreviewForm(forms.Form):
    """The editor's live preview."""

    body = forms.CharField(required=False, strip=False)


class ActionForm(forms.Form):
    """Which LLM action to run (the service names the ones it knows)."""

    kind = forms.CharField(required=False, max_length=32)


class IntListField(forms.Field):
    """A list of whole numbers posted under one name (checkboxes)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "Choose documents from the list."}

    def to_python(self, value: Any) -> list[int]:
        try:
            return [int(v) for v in value or []]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class GenerateForm(forms.Form):
    """The ready documents to take key points from."""

    document = IntListField(required=False)
