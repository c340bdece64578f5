"""Browser pages for asking questions and reading answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from rag_app.auth import current_user
from rag_app.errors import ApplicationError
from rag_app.qa import selectors, services
from rag_app.qa.models import Answer


@login_required
@require_http_methods(["GET", "POST"])
def ask_view(request: HttpRequest) -> HttpResponse:
    """A question form; POST answers it and shows the answer page."""
    if request.method == "POST":
        question = request.POST.get("question", "")
        try:
            answer = services.answer_create(owner=current_user(request), question=question)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            context = {"question": question, "recent": _recent(request)}
            return render(request, "qa/ask.html", context, status=exc.status)
        return redirect("qa:answer", answer_id=answer.pk)
    return render(request, "qa/ask.html", {"recent": _recent(request)})


@login_required
def answer_view(request: HttpRequest, answer_id: int) -> HttpResponse:
    """One of the user's answers with its citations."""
    answer = get_object_or_404(selectors.answer_list(owner=current_user(request)), pk=answer_id)
    return render(request, "qa/answer.html", {"answer": answer, "recent": _recent(request)})


def _recent(request: HttpRequest) -> list[Answer]:
    return list(selectors.answer_list(owner=current_user(request))[:10])
