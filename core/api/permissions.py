from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

_ACTIONS = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "add", "PUT": "change", "PATCH": "change",
            "DELETE": "delete"}


class RolePermission(BasePermission):
    """The role's group must hold the model permission of the request (view/add/change/delete).

    Which rows a user sees is the selector's business; this decides which verbs a role may use.
    Views name the model in ``permission_model`` and may map a method to another action in
    ``permission_actions`` (a POST that changes a lead is a ``change``).
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        model = view.permission_model
        action = getattr(view, "permission_actions", {}).get(request.method, _ACTIONS.get(request.method, "view"))
        return user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")
