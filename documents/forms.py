"""The browser's forms for documents: parse what a page posts (the services decide what is allowed)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is cleaned like a single FileField."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", _MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        return [single(f, initial) for f in files if f]


class UploadForm(forms.Form):
    """One or more files; an empty one is let through so that the service can say which file it was."""

    file = MultipleFileField(allow_empty_file=True, error_messages={"required": "Choose a file to upload."})


class ReturnForm(forms.Form):
    """Where to go back to after a button that posts (checked against this host by the view)."""

    next = forms.CharField(required=False, max_length=2000)
