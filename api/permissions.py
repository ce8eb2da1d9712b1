"""Role checks for API views. Object-level scoping stays in each model's ``visible_to`` (another
tenant's object is simply not found) and in the services (which raise PermissionDenied)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class HasRole(BasePermission):
    """``permission_classes = [HasRole]`` with ``allowed_roles`` on the view, optionally per
    action: ``allowed_roles = {"list": (...), "create": (...)}`` or one tuple for all."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        roles = getattr(view, "allowed_roles", None)
        if isinstance(roles, dict):
            roles = roles.get(getattr(view, "action", None) or "", roles.get("*", ()))
        return roles is None or user.role in roles
