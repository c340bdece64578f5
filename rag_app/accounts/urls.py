"""Browser URLs for accounts (under /accounts/, beside login and logout)."""

from django.urls import path

from rag_app.accounts import views

app_name = "accounts"
urlpatterns = [
    path("tokens/", views.tokens_view, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token-revoke"),
]
