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

_NEW_SECRET = "accounts:new-token-secret"


@login_required
@require_http_methods(["GET", "POST"])
def tokens_view(request: HttpRequest) -> HttpResponse:
    """The user's tokens; POST creates one, whose secret the next page shows once."""
    owner = current_user(request)
    form = TokenCreateForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        try:
            if not form.is_valid():
                raise ApplicationError("; ".join(str(e) for errors in form.errors.values() for e in errors))
            token, secret = services.token_create(owner=owner, name=form.cleaned_data["name"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return _page(request, form, "", status=exc.status)
        # Post/redirect/get: a reload must not make a second token. The secret waits in the
        # (server-side) session for the one page that shows it.
        request.session[_NEW_SECRET] = secret
        messages.success(request, f"Token “{token.name}” created. Copy it now: it is not shown again.")
        return redirect("accounts:tokens")
    return _page(request, form, request.session.pop(_NEW_SECRET, ""))


def _page(request: HttpRequest, form: TokenCreateForm, secret: str, status: int = 200) -> HttpResponse:
    context = {"tokens": selectors.token_list(owner=current_user(request)), "form": form, "secret": secret}
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
