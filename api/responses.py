"""Helpers the resource APIs share: file downloads and their OpenAPI description."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from core.spreadsheets import CSV_CONTENT_TYPE, download

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_FILE = "application/json"
FILE_TYPES = {"csv": CSV, "xlsx": XLSX}

FILE_TYPE_PARAMETER = OpenApiParameter(
    "file_type", str, enum=["csv", "xlsx"], default="xlsx", description="csv or xlsx"
)


def spreadsheet_responses(description: str) -> dict:
    return {
        (200, CSV): OpenApiResponse(OpenApiTypes.BINARY, description=description),
        (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description=description),
    }


def file_response(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    if content_type == CSV:
        content_type = CSV_CONTENT_TYPE
    return download(content, filename=filename, content_type=content_type)


class FileTypeQuery(serializers.Serializer):
    file_type = serializers.ChoiceField(choices=["csv", "xlsx"], default="xlsx")


def file_type(request) -> str:
    """The requested spreadsheet type (an unknown one is a 400)."""
    query = FileTypeQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data["file_type"]
