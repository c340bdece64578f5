"""Query parameters of the conversations and answers lists: q, status, conversation, created ranges."""

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from rag_app.filters import DateTimeRange
from rag_app.qa.models import Answer, Conversation


class ConversationFilter(filters.FilterSet):
    """?q=&created_after=&created_before=&updated_after=&updated_before=."""

    q = filters.CharFilter(field_name="title", lookup_expr="icontains", max_length=200, label="Words in the title.")
    created = DateTimeRange(field_name="created_at")
    updated = DateTimeRange(field_name="updated_at")

    class Meta:
        model = Conversation
        fields = ["q", "created", "updated"]


class AnswerFilter(filters.FilterSet):
    """?status=&conversation=&q=&created_after=&created_before=."""

    status = filters.MultipleChoiceFilter(choices=Answer.Status.choices)
    conversation = filters.NumberFilter(field_name="conversation_id", min_value=1, max_value=2**63 - 1)
    q = filters.CharFilter(method="search", max_length=200, label="Words in the question or the answer.")
    created = DateTimeRange(field_name="created_at")

    class Meta:
        model = Answer
        fields = ["status", "conversation", "q", "created"]

    def search(self, queryset: QuerySet[Answer], name: str, value: str) -> QuerySet[Answer]:
        value = value.strip()
        return queryset.filter(Q(question__icontains=value) | Q(text__icontains=value)) if value else queryset
