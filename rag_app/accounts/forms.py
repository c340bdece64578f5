"""The browser's form for a new API token."""

from django import forms

from rag_app.accounts.services import MAX_NAME_CHARS


class TokenCreateForm(forms.Form):
    """A new token's name (the service checks it)."""

    name = forms.CharField(
        max_length=MAX_NAME_CHARS, label="Name", help_text="Where it will be used, e.g. “laptop script”."
    )
