"""Imports every model, so ``db.metadata`` (and Alembic's autogenerate) sees the whole schema."""
from tracker.audit.models import Event  # noqa: F401
from tracker.auth.models import User  # noqa: F401
from tracker.cases.models import Case, CaseDocument, Note, ReferenceCounter  # noqa: F401
from tracker.parties.models import Employer, Office, Person, advisor_employers  # noqa: F401
from tracker.timers.models import Timer, TimerEffect, TimerPause  # noqa: F401
