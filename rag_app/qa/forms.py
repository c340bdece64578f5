"""The browser's forms for asking: parse what a page posts (the services decide what is allowed)."""

from __future__ import annotations

from django import forms


class AskForm(forms.Form):
    """A question, in a new conversation or the given one."""

    question = forms.CharField(required=False)
    conversation_id = forms.IntegerField(required=False, min_value=1)


class RenameForm(forms.Form):
    """A conversation's new title."""

    title = forms.CharField(required=False)
