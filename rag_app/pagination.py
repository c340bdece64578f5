"""One helper so every list endpoint paginates the same way."""

from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView


def paginated_response(
    queryset: QuerySet[Any], serializer_class: type[BaseSerializer[Any]], request: Request, view: APIView
) -> Response:
    """Return {"count", "next", "previous", "results"} for ?limit=&offset=."""
    paginator = LimitOffsetPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
