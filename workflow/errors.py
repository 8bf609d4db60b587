"""Domain errors of the workflow. Each surface maps them once: 409, 403 and 400."""

from __future__ import annotations

from collections.abc import Sequence


class WorkflowError(Exception):
    code = "workflow_error"
    status = 400

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class TransitionNotAllowed(WorkflowError):
    """The action is not possible in the complaint's current state (HTTP 409)."""

    code = "transition_not_allowed"
    status = 409

    def __init__(self, message: str, *, available: Sequence[str] = ()) -> None:
        super().__init__(message, available_actions=list(available))
        self.available = list(available)


class NotPermitted(WorkflowError):
    """The actor may not take this action on this complaint (HTTP 403)."""

    code = "not_permitted"
    status = 403


class InvalidInput(WorkflowError):
    """The payload is malformed or refers to something that does not fit (HTTP 400)."""

    code = "invalid_input"
    status = 400

    def __init__(self, message: str, *, errors: dict[str, str] | None = None) -> None:
        super().__init__(message, errors=errors or {})
        self.errors = errors or {}
