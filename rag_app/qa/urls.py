"""Browser URLs for Q&A."""

from django.urls import path

from rag_app.qa import views

app_name = "qa"
urlpatterns = [
    path("", views.ask_view, name="ask"),
    path("answers/<int:answer_id>/", views.answer_view, name="answer"),
]
