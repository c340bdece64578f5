"""Filters the list endpoints share: a date-time range read in any offset, asked of the database in UTC."""

from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError


def _utc(name: str, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValidationError({name: ["That date and time is out of range."]}) from None


class DateTimeRange(filters.IsoDateTimeFromToRangeFilter):
    """?<name>_after=&<name>_before= (ISO 8601). PostgreSQL refuses offsets past ±16 h: UTC is sent instead."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value:
            value = slice(_utc(self.field_name, value.start), _utc(self.field_name, value.stop))
        return super().filter(qs, value)  # type: ignore[no-any-return]
