"""REST URLs for questions, answers, conversations and batches, included under /api/ in the "api" namespace."""

from django.urls import path

from rag_app.qa import api, batch_api

urlpatterns = [
    path("ask/", api.AskApi.as_view(), name="ask"),
    path("ask/batch/", batch_api.BatchListCreateApi.as_view(), name="batches"),
    path("ask/batch/<int:batch_id>/", batch_api.BatchDetailApi.as_view(), name="batch"),
    path(
        "ask/batch/<int:batch_id>/results.csv",
        batch_api.BatchResultsApi.as_view(),
        {"fmt": "csv"},
        name="batch-results-csv",
    ),
    path(
        "ask/batch/<int:batch_id>/results.json",
        batch_api.BatchResultsApi.as_view(),
        {"fmt": "json"},
        name="batch-results-json",
    ),
    path("answers/", api.AnswerListApi.as_view(), name="answers"),
    path("answers/<int:answer_id>/", api.AnswerDetailApi.as_view(), name="answer"),
    path("answers/<int:answer_id>/provenance/", api.AnswerProvenanceApi.as_view(), name="answer-provenance"),
    path("answers/<int:answer_id>/events/", api.AnswerEventsApi.as_view(), name="answer-events"),
    path("conversations/", api.ConversationListApi.as_view(), name="conversations"),
    path("conversations/<int:conversation_id>/", api.ConversationDetailApi.as_view(), name="conversation"),
    # Saving an answer as a note is Q&A's (it reads the answer, then writes through the notes service).
    path("notes/from-answer/", api.AnswerSaveNoteApi.as_view(), name="note-from-answer"),
]
