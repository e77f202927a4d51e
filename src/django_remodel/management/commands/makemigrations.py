"""``makemigrations`` that also detects changed model bases (:mod:`django_remodel.autodetector`)."""

from __future__ import annotations

from django.core.management.commands import makemigrations

from django_remodel.autodetector import RemodelAutodetector


class Command(makemigrations.Command):
    autodetector = RemodelAutodetector
