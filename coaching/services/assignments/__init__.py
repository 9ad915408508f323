"""Assigning a program to a client, and the trainer's later changes to it, one use case a
module:

- :mod:`.choosing` (:class:`AssignmentChoices`): the client, the program, the start, the
  training times, a replacement exercise;
- :mod:`.assigning` (:class:`AssignmentService`): previewing and storing an assignment;
- :mod:`.overview` (:class:`AssignmentOverview`): the running assignments, one in detail;
- :mod:`.changes` (:class:`AssignmentChanges`): swapping an exercise for this client only,
  shifting the schedule, cancelling.

:mod:`.common` holds the values they return and the base that loads and authorises.
"""

from coaching.services.assignments.assigning import AssignmentService, StartInThePast
from coaching.services.assignments.changes import AssignmentChanges, ShiftIntoThePast
from coaching.services.assignments.choosing import AssignmentChoices
from coaching.services.assignments.common import (
    DEFAULT_DURATION,
    LIVE_ASSIGNMENTS,
    NOT_YOUR_ASSIGNMENT,
    NOT_YOUR_PROGRAM,
    PAGE_SIZE,
    PREVIEW_SESSIONS,
    REASON_MAX,
    SHIFT_MAX_DAYS,
    TRAINERS_ONLY,
    AssignDraft,
    Assigned,
    AssignmentDetail,
    AssignmentSummary,
    AssignPreview,
    ChangeNotice,
    ClientChoice,
    ClientPage,
    ClientTarget,
    ExerciseChoice,
    PlannedLine,
    ProgramChoice,
    ProgramSessionChoice,
    check_days,
    session_title,
)
from coaching.services.assignments.overview import AssignmentOverview

__all__ = [
    "DEFAULT_DURATION",
    "LIVE_ASSIGNMENTS",
    "NOT_YOUR_ASSIGNMENT",
    "NOT_YOUR_PROGRAM",
    "PAGE_SIZE",
    "PREVIEW_SESSIONS",
    "REASON_MAX",
    "SHIFT_MAX_DAYS",
    "TRAINERS_ONLY",
    "AssignDraft",
    "AssignPreview",
    "Assigned",
    "AssignmentChanges",
    "AssignmentChoices",
    "AssignmentDetail",
    "AssignmentOverview",
    "AssignmentService",
    "AssignmentSummary",
    "ChangeNotice",
    "ClientChoice",
    "ClientPage",
    "ClientTarget",
    "ExerciseChoice",
    "PlannedLine",
    "ProgramChoice",
    "ProgramSessionChoice",
    "ShiftIntoThePast",
    "StartInThePast",
    "check_days",
    "session_title",
]
