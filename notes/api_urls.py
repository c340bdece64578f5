"""REST URLs for notes, included under /api/ in the "api" namespace."""

from django.urls import path

from notes import api

urlpatterns = [
    path("notes/", api.NoteListCreateApi.as_view(), name="notes"),
    path("notes/<int:note_id>/", api.NoteDetailApi.as_view(), name="note"),
    path("notes/<int:note_id>/undo/", api.NoteUndoApi.as_view(), name="note-undo"),
    path("notes/<int:note_id>/versions/", api.NoteVersionListApi.as_view(), name="note-versions"),
    path(
        "notes/<int:note_id>/versions/<int:version>/restore/", api.NoteVersionRestoreApi.as_view(), name="note-restore"
    ),
    path("notes/<int:note_id>/actions/", api.NoteActionListCreateApi.as_view(), name="note-actions"),
    path("notes/actions/", api.NoteActionListApi.as_view(), name="note-action-list"),
    path("notes/actions/<int:action_id>/", api.NoteActionDetailApi.as_view(), name="note-action"),
    path("notes/generate/", api.NoteGenerateApi.as_view(), name="note-generate"),
]
