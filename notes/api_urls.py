"""REST URLs for notes, included under /api/notes/ in the "api" namespace."""

from django.urls import path

from notes import api

urlpatterns = [
    path("", api.NoteListCreateApi.as_view(), name="notes"),
    path("<int:note_id>/", api.NoteDetailApi.as_view(), name="note"),
    path("<int:note_id>/undo/", api.NoteUndoApi.as_view(), name="note-undo"),
    path("<int:note_id>/versions/", api.NoteVersionListApi.as_view(), name="note-versions"),
    path("<int:note_id>/versions/<int:version>/restore/", api.NoteVersionRestoreApi.as_view(), name="note-restore"),
    path("<int:note_id>/actions/", api.NoteActionListCreateApi.as_view(), name="note-actions"),
    path("actions/", api.NoteActionListApi.as_view(), name="note-action-list"),
    path("actions/<int:action_id>/", api.NoteActionDetailApi.as_view(), name="note-action"),
    path("from-answer/", api.NoteFromAnswerApi.as_view(), name="note-from-answer"),
    path("generate/", api.NoteGenerateApi.as_view(), name="note-generate"),
]
