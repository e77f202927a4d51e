"""The example project after a developer added ``PatientUser`` without checking the registry."""

from __future__ import annotations

from clinic.settings import *  # noqa: F403
from clinic.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.patientapp"]
