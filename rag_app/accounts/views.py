"""Browser page for API tokens: create one (its secret shown once), list and revoke your own."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from rag_app.accounts import selectors, services
from rag_app.accounts.forms import TokenCreateForm
from rag_app.auth import current_user
from rag_app.errors import ApplicationError


@login_required
@require_http_methods(["GET", "POST"])
def tokens_view(request: HttpRequest) -> HttpResponse:
    """The user's tokens; POST creates one and shows its secret on this response only."""
    owner = current_user(request)
    form = TokenCreateForm(request.POST if request.method == "POST" else None)
    secret, status = "", 200
    if form.is_bound:
        try:
            if not form.is_valid():
                raise ApplicationError("; ".join(str(e) for errors in form.errors.values() for e in errors))
            token, secret = services.token_create(owner=owner, name=form.cleaned_data["name"])
            form = TokenCreateForm()
            messages.success(request, f"Token “{token.name}” created. Copy it now: it is not shown again.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = exc.status
    context = {"tokens": selectors.token_list(owner=owner), "form": form, "secret": secret}
    response = render(request, "accounts/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may carry a secret: no cache keeps it
    return response


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the user's tokens."""
    token = get_object_or_404(selectors.token_list(owner=current_user(request)), pk=token_id)
    services.token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("accounts:tokens")
