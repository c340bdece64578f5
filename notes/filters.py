"""Query parameters of the notes list: q (title and body), tag, index status, created and updated ranges."""

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from notes.models import Note, NoteAction
from rag_app.filters import DateTimeRange


class NoteFilter(filters.FilterSet):
    """?q=&tag=&index_status=&created_after=&created_before=&updated_after=&updated_before=."""

    q = filters.CharFilter(method="search", max_length=200, label="Words in the title or the body.")
    tag = filters.CharFilter(method="with_tag", max_length=100, label="Only notes with this tag.")
    index_status = filters.MultipleChoiceFilter(choices=Note.IndexStatus.choices)
    created = DateTimeRange(field_name="created_at")
    updated = DateTimeRange(field_name="updated_at")

    class Meta:
        model = Note
        fields = ["q", "tag", "index_status", "created", "updated"]

    def search(self, queryset: QuerySet[Note], name: str, value: str) -> QuerySet[Note]:
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(body__icontains=value)) if value else queryset

    def with_tag(self, queryset: QuerySet[Note], name: str, value: str) -> QuerySet[Note]:
        value = value.strip().lower()
        return queryset.filter(tags__name=value) if value else queryset


class NoteActionFilter(filters.FilterSet):
    """?kind=&status=&created_after=&created_before=."""

    kind = filters.MultipleChoiceFilter(choices=NoteAction.Kind.choices)
    status = filters.MultipleChoiceFilter(choices=NoteAction.Status.choices)
    created = DateTimeRange(field_name="created_at")

    class Meta:
        model = NoteAction
        fields = ["kind", "status", "created"]
