"""Guards every resource shares: ids in URLs and bodies are bounded integers (an id beyond the
database's integer range is simply not found, never a server error)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import serializers
from rest_framework.generics import GenericAPIView

MAX_ID = 2**63 - 1


def checked_id(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number <= MAX_ID:
        raise Http404
    return number


def IdField(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class BoundedLookupMixin(GenericAPIView):
    lookup_value_regex = r"-?[0-9]+"

    def get_object(self) -> Any:
        self.kwargs[self.lookup_field] = checked_id(self.kwargs[self.lookup_field])
        return super().get_object()


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """The request body checked by ``serializer_class``; a 400 with the field errors otherwise."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
