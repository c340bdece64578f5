"""Browser URLs for notes."""

from django.urls import path

from notes import views

app_name = "notes"
urlpatterns = [
    path("", views.note_list_view, name="list"),
    path("new/", views.note_create_view, name="create"),
    path("preview/", views.note_preview_view, name="preview"),
    path("generate/", views.note_generate_view, name="generate"),
    path("actions/<int:action_id>/", views.note_action_detail_view, name="action"),
    path("<int:note_id>/", views.note_detail_view, name="detail"),
    path("<int:note_id>/edit/", views.note_edit_view, name="edit"),
    path("<int:note_id>/delete/", views.note_delete_view, name="delete"),
    path("<int:note_id>/undo/", views.note_undo_view, name="undo"),
    path("<int:note_id>/history/", views.note_history_view, name="history"),
    path("<int:note_id>/versions/<int:version>/restore/", views.note_restore_view, name="restore"),
    path("<int:note_id>/actions/", views.note_action_view, name="act"),
]
