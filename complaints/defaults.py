"""The default clocks an Indonesian agency starts its service standards from (DESIGN.md).

Each is editable per standard version in the admin; these are only the starting point.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from complaints.models import ClockPolicy, ComplexityTier, Service, ServiceStandard
from workflow.states import ClockName, TimeUnit

SP4N = "Perpres 76/2013; Permenpan RB 46/2020 (SP4N-LAPOR!)"
UU_25 = "UU 25/2009 tentang Pelayanan Publik"


@dataclass(frozen=True)
class ClockDefault:
    name: ClockName
    duration: int
    unit: TimeUnit
    pausable: bool
    ceiling: int | None
    legal_reference: str


DEFAULT_CLOCKS = (
    ClockDefault(ClockName.VERIFY, 3, TimeUnit.WORKING_DAYS, False, None, SP4N),
    # Paused while waiting for the citizen: the officer cannot answer without the information.
    ClockDefault(ClockName.FIRST_RESPONSE, 5, TimeUnit.WORKING_DAYS, True, 60, SP4N),
    ClockDefault(ClockName.STATUTORY_ANSWER, 14, TimeUnit.CALENDAR_DAYS, False, None, UU_25),
    ClockDefault(ClockName.RESOLUTION, 60, TimeUnit.CALENDAR_DAYS, True, None, UU_25),
    ClockDefault(ClockName.INFO_WAIT, 30, TimeUnit.CALENDAR_DAYS, False, None, UU_25),
    ClockDefault(ClockName.REPLY_WINDOW, 10, TimeUnit.WORKING_DAYS, False, None, SP4N),
)

# SP4N-LAPOR! complexity tiers for the first response, in working days.
DEFAULT_TIERS = (
    ("ringan", "Ringan", 2, False),
    ("normatif", "Normatif", 5, True),
    ("tidak-berkadar-pengawasan", "Tidak berkadar pengawasan", 14, False),
    ("berkadar-pengawasan", "Berkadar pengawasan", 60, False),
)

DEFAULT_WARNING_FRACTION = "0.75"


def create_default_standard(
    service: Service, *, effective_from: dt.date, version: int = 1,
    legal_reference: str = UU_25, summary: str = "",
) -> ServiceStandard:
    """A service standard version with the default clocks and complexity tiers."""
    standard = ServiceStandard.objects.create(
        service=service, version=version, effective_from=effective_from,
        legal_reference=legal_reference, summary=summary,
    )
    ClockPolicy.objects.bulk_create(
        ClockPolicy(standard=standard, name=c.name, duration=c.duration, unit=c.unit,
                    warning_fraction=DEFAULT_WARNING_FRACTION, pausable=c.pausable,
                    ceiling=c.ceiling, legal_reference=c.legal_reference)
        for c in DEFAULT_CLOCKS
    )
    ComplexityTier.objects.bulk_create(
        ComplexityTier(standard=standard, code=code, label=label, duration=days,
                       unit=TimeUnit.WORKING_DAYS, is_default=default)
        for code, label, days, default in DEFAULT_TIERS
    )
    return standard
