"""Top-level URLs: each app's browser pages under its prefix, every app's REST API under /api/, the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from rag_app import api_docs
from rag_app.metrics_view import metrics_view
from rag_app.views import home_view

handler404 = "rag_app.errors.not_found"

api: list[URLPattern | URLResolver] = [
    path("", include("rag_app.accounts.api_urls")),
    # The OpenAPI schema and its two readers, served from our static files (drf-spectacular-sidecar).
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs.swagger_view(), name="docs"),
    path("redoc/", api_docs.redoc_view(), name="redoc"),
    # Each app's api_urls lists its own full paths; qa comes before notes for its notes/from-answer/.
    path("", include("documents.api_urls")),
    path("", include("rag_app.qa.api_urls")),
    path("", include("notes.api_urls")),
    path("", include("rag_app.providers.api_urls")),
]

urlpatterns = [
    path("", home_view, name="home"),
    path("metrics", metrics_view, name="metrics"),  # Prometheus; staff or METRICS_TOKEN only
    # Browsers ask for /favicon.ico whatever the page links; the icon is the SVG in static/.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg")), name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("rag_app.accounts.urls")),
    path("documents/", include("documents.urls")),
    path("ask/", include("rag_app.qa.urls")),
    path("notes/", include("notes.urls")),
    path("api/", include((api, "api"))),
    path("admin/", admin.site.urls),
    path("v1/", include("rag_app.openai_api.urls")),  # OpenAI clients add /v1 to base_url themselves
]
