"""Signing staff in: Django's ModelBackend, with each request's user read together with
their grants (complaints.selectors.user_with_grants), which every staff page needs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser

from complaints.selectors import user_with_grants


class StaffBackend(ModelBackend):
    def get_user(self, user_id: Any) -> AbstractBaseUser | None:
        user = user_with_grants("u.id = %s", [user_id])
        return user if user is not None and self.user_can_authenticate(user) else None
