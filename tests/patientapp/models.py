"""A model someone adds without looking at the registry: the next AppUser."""

from __future__ import annotations

from django.db import models


class PatientUser(models.Model):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200)
    pw = models.CharField(max_length=128)

    class Meta:
        app_label = "patientapp"
