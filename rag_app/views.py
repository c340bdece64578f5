"""The home page: what the user has recently uploaded, written and asked."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from documents import selectors as document_selectors
from notes import selectors as note_selectors
from rag_app.auth import current_user
from rag_app.qa import selectors as qa_selectors

RECENT = 5


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    """Recent documents, notes and conversations, or first steps for a new user."""
    owner = current_user(request)
    documents = document_selectors.document_list(owner=owner)
    context = {
        "documents": documents[:RECENT],
        "document_count": documents.count(),
        "notes": note_selectors.note_list(owner=owner)[:RECENT],
        "conversations": qa_selectors.conversation_list(owner=owner)[:RECENT],
    }
    return render(request, "home.html", context)
