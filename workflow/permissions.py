"""Who may do what: the one module that holds the role rules of the workflow.

A staff user's roles on a complaint come from their memberships and where the complaint sits
in the agency tree. Citizens act only on the complaint whose access token they presented;
the system acts for the sweeper.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from workflow.states import Action, ClockName, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from complaints.models import Complaint


# The workflow table of DESIGN.md: which roles may take each action, in order of preference
# (the first role that applies is the one recorded in the audit event).
ACTION_ROLES: dict[str, tuple[Role, ...]] = {
    Action.ASSIGN: (Role.COORDINATOR,),
    Action.REASSIGN: (Role.COORDINATOR, Role.SUPERVISOR),
    Action.REQUEST_INFO: (Role.OFFICER,),
    Action.PROVIDE_INFO: (Role.CITIZEN,),
    Action.EXTEND: (Role.SUPERVISOR,),
    Action.RESPOND: (Role.OFFICER,),
    Action.DISPUTE: (Role.CITIZEN,),
    Action.ACCEPT: (Role.CITIZEN,),
    Action.AUTO_CLOSE: (Role.SYSTEM,),
    Action.REJECT: (Role.COORDINATOR,),
    Action.REFER: (Role.COORDINATOR,),
    Action.WITHDRAW: (Role.CITIZEN, Role.SYSTEM),
}

# Who may submit a complaint: citizens themselves, or staff recording one received by phone,
# letter or in person.
SUBMIT_ROLES = (Role.CITIZEN, Role.COORDINATOR, Role.OFFICER)


@dataclass(frozen=True)
class Grant:
    role: Role
    agency_id: int | None
    agency_path: str  # "" for system-wide roles
    time_zone: str = ""  # the agency's, for showing times; "" for system-wide roles


@dataclass(frozen=True)
class Actor:
    """Whoever performs an action: a staff user with their grants, a citizen bound to one
    complaint by its access token, or the system."""

    kind: Literal["staff", "citizen", "system"]
    user: AbstractBaseUser | None = None
    complaint_id: int | None = None
    grants: tuple[Grant, ...] = field(default=())

    @classmethod
    def staff(cls, user: AbstractBaseUser) -> Actor:
        grants = getattr(user, GRANTS_READ, None)
        if grants is None:
            grants = grants_of(user, user.memberships.values_list(  # type: ignore[attr-defined]
                *MEMBERSHIP_VALUES))
        return cls(kind="staff", user=user, grants=grants)

    @classmethod
    def citizen(cls, complaint: Complaint) -> Actor:
        return cls(kind="citizen", complaint_id=complaint.pk)

    @property
    def label(self) -> str:
        if self.kind == "staff" and self.user is not None:
            return self.user.get_username()
        return self.kind

    def has_role(self, role: Role) -> bool:
        return any(g.role == role for g in self.grants)

    def agencies_for(self, role: Role) -> list[str]:
        """Paths of the agencies/units in which this actor holds `role`."""
        return [g.agency_path for g in self.grants if g.role == role]


SYSTEM = Actor(kind="system")

# What a grant is read from, on Membership.
MEMBERSHIP_VALUES = ("role", "agency_id", "agency__path", "agency__time_zone")
# A user read with their grants (complaints.selectors.user_with_grants, on signing in)
# carries them here, as Django's ModelBackend keeps a user's permissions on the user object.
GRANTS_READ = "_aduan_grants"


def grants_of(user: AbstractBaseUser,
              memberships: Iterable[tuple[str | None, int | None, str | None, str | None]]
              ) -> tuple[Grant, ...]:
    """The grants of `user` from their memberships' MEMBERSHIP_VALUES (a row of Nones, as
    an outer join gives for a user without any, is skipped)."""
    grants = tuple(Grant(Role(role), agency_id, path or "", zone or "")
                   for role, agency_id, path, zone in memberships if role is not None)
    if getattr(user, "is_superuser", False):
        grants += (Grant(Role.ADMINISTRATOR, None, ""),)
    return grants


def roles_on(actor: Actor, complaint: Complaint) -> set[Role]:
    """The roles `actor` holds with respect to this complaint."""
    if actor.kind == "system":
        return {Role.SYSTEM}
    if actor.kind == "citizen":
        return {Role.CITIZEN} if actor.complaint_id == complaint.pk else set()
    roles: set[Role] = set()
    agency_path = complaint.agency.path
    unit_path = complaint.unit.path if complaint.unit_id else None
    for grant in actor.grants:
        if grant.role in (Role.OMBUDSMAN, Role.ADMINISTRATOR):
            roles.add(grant.role)
        elif grant.role == Role.COORDINATOR and agency_path.startswith(grant.agency_path):
            roles.add(Role.COORDINATOR)
        elif grant.role == Role.SUPERVISOR and (unit_path or agency_path).startswith(
            grant.agency_path
        ):
            roles.add(Role.SUPERVISOR)
        elif (
            grant.role == Role.OFFICER
            and unit_path is not None
            and unit_path.startswith(grant.agency_path)
            and complaint.assignee_id in (None, actor.user.pk)  # type: ignore[union-attr]
        ):
            # Officers work the cases assigned to them, or their unit's unassigned ones.
            roles.add(Role.OFFICER)
    return roles


def acting_role(actor: Actor, action: str, complaint: Complaint) -> Role | None:
    """The role in which `actor` may take `action` on `complaint` at all (whatever the
    state), or None: then the actor may not take it (403)."""
    held = roles_on(actor, complaint)
    return next((role for role in ACTION_ROLES[action] if role in held), None)


def role_may_act_now(role: Role, action: str, complaint: Complaint) -> bool:
    """Rules that depend on the role and the moment: failing one is "not now" (409)."""
    # The system withdraws only a complaint whose citizen did not provide the requested
    # information in time (UU 25/2009); a citizen may withdraw whenever the state allows.
    if role == Role.SYSTEM and action == Action.WITHDRAW:
        clock = complaint.open_clock(ClockName.INFO_WAIT)
        return clock is not None and clock.due_at < complaint.as_of
    return True


def transition_permission(action: str) -> Callable[[Complaint, Actor], bool]:
    """The django-fsm `permission=` callable for one action: used to list the actions an
    actor can take now."""

    def permitted(instance: Complaint, actor: Actor) -> bool:
        role = acting_role(actor, action, instance)
        return role is not None and role_may_act_now(role, action, instance)

    permitted.__name__ = f"may_{action}"
    return permitted


def may_submit(actor: Actor) -> Role | None:
    if actor.kind == "citizen":
        return Role.CITIZEN
    for role in SUBMIT_ROLES:
        if actor.has_role(role):
            return role
    return None


def may_view_identity(actor: Actor, complaint: Complaint) -> bool:
    """The reporter's identity: hidden from the handling unit (and everyone else who works
    the case) when the complaint is anonymous; the ombudsman sees it only with consent."""
    roles = roles_on(actor, complaint)
    if Role.CITIZEN in roles:
        return True
    if Role.OMBUDSMAN in roles:
        reporter = getattr(complaint, "reporter", None)
        return bool(reporter and reporter.consent_to_share)
    if complaint.visibility == "anonymous":
        return False
    return bool(roles & {Role.COORDINATOR, Role.SUPERVISOR, Role.OFFICER, Role.ADMINISTRATOR})
