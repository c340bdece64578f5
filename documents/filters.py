"""Query parameters of the documents list: status, kind, q (the documents page's search), a created range."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from documents.models import Document
from documents.search import matching_documents
from rag_app.auth import current_user
from rag_app.filters import DateTimeRange


class DocumentFilter(filters.FilterSet):
    """?status=&kind=&q=&created_after=&created_before= (ISO 8601)."""

    status = filters.MultipleChoiceFilter(choices=Document.Status.choices)
    kind = filters.MultipleChoiceFilter(choices=Document.Kind.choices)
    q = filters.CharFilter(
        method="search", max_length=200, label="Words in the title or the passages (full text, as the documents page)."
    )
    created = DateTimeRange(field_name="created_at")

    class Meta:
        model = Document
        fields = ["status", "kind", "q", "created"]

    def search(self, queryset: QuerySet[Document], name: str, value: str) -> QuerySet[Document]:
        return matching_documents(queryset, owner=current_user(self.request), query=value)
