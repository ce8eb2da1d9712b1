"""OpenAPI details drf-spectacular cannot infer: the problem-details error shape on every
operation, and the token authentication scheme."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text="Dotted path of the field, null for the request as a whole."
    )
    code = serializers.CharField(help_text="Machine-readable code, e.g. required, invalid.")
    message = serializers.CharField(help_text="Human-readable message in the request language.")


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="urn:rematch:problem:<kind>")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = FieldErrorSerializer(many=True)  # type: ignore[assignment]  # API field name

    class Meta:
        ref_name = "Problem"


ERROR_RESPONSES = {
    "400": "The request is not valid: see errors for each field.",
    "401": "No valid credentials (session or token) were given.",
    "403": "The user's role may not do this, or the object's state forbids it.",
    "404": "No such object, or it belongs to another tenant.",
    "429": "Too many requests: wait for the number of seconds in Retry-After.",
}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_RESPONSES.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ProblemSerializer, description=description), code
                )
        return responses


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API token created under 'API tokens' in the portal, sent as "
                "`Authorization: Bearer <token>` (or `Authorization: Token <token>`)."
            ),
        }
