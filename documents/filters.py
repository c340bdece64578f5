"""Query parameters of the documents list: status, kind, q (title and text), a created range."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django_filters import rest_framework as filters

from documents.models import Chunk, Document
from rag_app.filters import DateTimeRange


class DocumentFilter(filters.FilterSet):
    """?status=&kind=&q=&created_after=&created_before= (ISO 8601)."""

    status = filters.MultipleChoiceFilter(choices=Document.Status.choices)
    kind = filters.MultipleChoiceFilter(choices=Document.Kind.choices)
    q = filters.CharFilter(method="search", max_length=200, label="Words in the title or the extracted text.")
    created = DateTimeRange(field_name="created_at")

    class Meta:
        model = Document
        fields = ["status", "kind", "q", "created"]

    def search(self, queryset: QuerySet[Document], name: str, value: str) -> QuerySet[Document]:
        value = value.strip()
        if not value:
            return queryset
        in_text = Chunk.objects.filter(document=OuterRef("pk"), text__icontains=value)
        return queryset.filter(Q(title__icontains=value) | Q(Exists(in_text)))
