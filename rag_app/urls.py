"""Top-level URLs: browser pages, the REST API under /api/, the admin console."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView
from rest_framework.authtoken.views import obtain_auth_token

from documents.api import DocumentDetailApi, DocumentListCreateApi, DocumentReingestApi
from rag_app.providers.api import HealthApi
from rag_app.qa.api import (
    AnswerDetailApi,
    AnswerEventsApi,
    AnswerProvenanceApi,
    AskApi,
    ConversationDetailApi,
    ConversationListApi,
)
from rag_app.views import home_view

api: list[URLPattern | URLResolver] = [
    path("auth/token/", obtain_auth_token, name="token"),
    path("documents/", DocumentListCreateApi.as_view(), name="documents"),
    path("documents/<int:document_id>/", DocumentDetailApi.as_view(), name="document"),
    path("documents/<int:document_id>/reingest/", DocumentReingestApi.as_view(), name="document-reingest"),
    path("ask/", AskApi.as_view(), name="ask"),
    path("ask/batch/", include("rag_app.qa.batch_urls")),
    path("answers/<int:answer_id>/", AnswerDetailApi.as_view(), name="answer"),
    path("answers/<int:answer_id>/provenance/", AnswerProvenanceApi.as_view(), name="answer-provenance"),
    path("answers/<int:answer_id>/events/", AnswerEventsApi.as_view(), name="answer-events"),
    path("conversations/", ConversationListApi.as_view(), name="conversations"),
    path("conversations/<int:conversation_id>/", ConversationDetailApi.as_view(), name="conversation"),
    path("health/", HealthApi.as_view(), name="health"),
    path("notes/", include("notes.api_urls")),
]

urlpatterns = [
    path("", home_view, name="home"),
    # Browsers ask for /favicon.ico whatever the page links; the icon is the SVG in static/.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg")), name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("documents/", include("documents.urls")),
    path("ask/", include("rag_app.qa.urls")),
    path("notes/", include("notes.urls")),
    path("api/", include((api, "api"))),
    path("admin/", admin.site.urls),
]
