"""Actions on one answer from the ask page: rate it, or ask its question again (without JavaScript too)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rag_app.auth import current_user
from rag_app.errors import ApplicationError
from rag_app.qa import feedback, selectors, services
from rag_app.qa.forms import FeedbackForm
from rag_app.qa.models import Answer


def _back(answer: Answer) -> HttpResponse:
    return redirect(f"{reverse('qa:conversation', args=[answer.conversation_id])}#answer-{answer.pk}")


@login_required
@require_POST
def answer_feedback_view(request: HttpRequest, answer_id: int) -> HttpResponse:
    """Store thumbs up/down and a reason; htmx gets the feedback form back, a plain POST the conversation."""
    answer = get_object_or_404(selectors.answer_list(owner=current_user(request)), pk=answer_id)
    form = FeedbackForm(request.POST)
    error = ""
    try:
        if not form.is_valid():
            raise ApplicationError("Choose Helpful or Not helpful (a reason is at most 2000 characters).")
        feedback.answer_feedback_set(
            answer=answer, rating=form.cleaned_data["rating"], reason=form.cleaned_data["reason"]
        )
    except ApplicationError as exc:
        error = exc.message
    if request.headers.get("HX-Request"):
        context = {"answer": answer, "feedback_error": error, "feedback_saved": not error}
        return render(request, "qa/_feedback.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Thank you: your feedback is saved with the answer.")
    return _back(answer)


@login_required
@require_POST
def answer_regenerate_view(request: HttpRequest, answer_id: int) -> HttpResponse:
    """Ask the answer's question again, in the same conversation and scope (a new answer below it)."""
    owner = current_user(request)
    answer = get_object_or_404(selectors.answer_list(owner=owner), pk=answer_id)
    scope = answer.scope or {}
    try:
        again = services.answer_create(
            owner=owner,
            question=answer.question,
            conversation_id=answer.conversation_id,
            document_ids=scope.get("document_ids", []),
            tags=scope.get("tags", []),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _back(answer)
    return _back(again)
