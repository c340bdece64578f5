"""Browser URLs for Q&A."""

from django.urls import path

from rag_app.qa import answer_views, views

app_name = "qa"
urlpatterns = [
    path("", views.ask_view, name="ask"),
    path("c/<int:conversation_id>/", views.conversation_view, name="conversation"),
    path("c/<int:conversation_id>/rename/", views.conversation_rename_view, name="rename"),
    path("c/<int:conversation_id>/delete/", views.conversation_delete_view, name="delete"),
    path("answers/<int:answer_id>/", views.answer_view, name="answer"),
    path("answers/<int:answer_id>/save-note/", views.answer_save_note_view, name="save-note"),
    path("answers/<int:answer_id>/feedback/", answer_views.answer_feedback_view, name="feedback"),
    path("answers/<int:answer_id>/regenerate/", answer_views.answer_regenerate_view, name="regenerate"),
]
