"""The browser's forms for asking: parse what a page posts (the services decide what is allowed)."""

from __future__ import annotations

from django import forms


class AskForm(forms.Form):
    """A question, in a new conversation or the given one, searching everything or the chosen scope."""

    question = forms.CharField(required=False)
    conversation_id = forms.IntegerField(required=False, min_value=1)
    documents = forms.TypedMultipleChoiceField(coerce=int, required=False)
    tags = forms.MultipleChoiceField(required=False)

    def __init__(self, *args: object, documents: list[tuple[int, str]], tags: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["documents"].choices = documents  # type: ignore[attr-defined]
        self.fields["tags"].choices = [(t, t) for t in tags]  # type: ignore[attr-defined]


class RenameForm(forms.Form):
    """A conversation's new title."""

    title = forms.CharField(required=False)


class FeedbackForm(forms.Form):
    """Thumbs up or down on an answer, with an optional reason."""

    rating = forms.ChoiceField(choices=[("up", "Helpful"), ("down", "Not helpful")])
    reason = forms.CharField(required=False, max_length=2000)
