"""Appointments, clinician shifts, care programmes and the waiting list."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Appointment(models.Model):
    """A visit of a patient (legacy.AppUser) to a clinician (a staff login)."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CONFIRMED = "confirmed", "Confirmed"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No show"

    patient = models.ForeignKey(
        "legacy.AppUser", on_delete=models.CASCADE, related_name="appointments"
    )
    # PROTECT: a clinician with visits on record must be deactivated, not deleted.
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=30)
    status = models.CharField(max_length=20, choices=Status, default=Status.BOOKED)
    reason = models.CharField(
        max_length=255, blank=True, help_text="What the patient typed when booking."
    )
    notes = models.TextField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-starts_at",)
        indexes = (
            # The clinician's day view filters on both.
            models.Index(fields=["clinician", "starts_at"], name="sched_appt_clin_start_idx"),
        )

    def __str__(self) -> str:
        return f"{self.patient_id} with {self.clinician_id} at {self.starts_at:%Y-%m-%d %H:%M}"


class ClinicianShift(models.Model):
    """A weekly recurring working slot of a clinician."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday)
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["clinician", "weekday", "starts_at"], name="scheduling_shift_unique_slot"
            ),
        )

    def __str__(self) -> str:
        return f"{self.clinician_id} on day {self.weekday} from {self.starts_at}"


class CareProgramme(models.Model):
    """A treatment programme (e.g. diabetes follow-up) that patients are enrolled in."""

    name = models.CharField(max_length=120)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_programmes",
    )
    patients = models.ManyToManyField(
        "legacy.AppUser", through="Enrollment", related_name="care_programmes"
    )

    def __str__(self) -> str:
        return self.name


class Enrollment(models.Model):
    """A patient's membership in a care programme (explicit M2M through table)."""

    programme = models.ForeignKey(
        CareProgramme, on_delete=models.CASCADE, related_name="enrollments"
    )
    patient = models.ForeignKey(
        "legacy.AppUser", on_delete=models.CASCADE, related_name="enrollments"
    )
    enrolled_on = models.DateField()
    status = models.CharField(max_length=20, default="active")

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["programme", "patient"], name="scheduling_enrollment_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.patient_id} in {self.programme_id}"


class WaitlistEntry(models.Model):
    """A patient waiting for an earlier slot, optionally with a given clinician."""

    patient = models.ForeignKey(
        "legacy.AppUser", on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="waitlist_entries",
    )
    requested_at = models.DateTimeField()
    # 1 is most urgent.
    priority = models.PositiveSmallIntegerField(default=3)
    note = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.patient_id} waiting since {self.requested_at:%Y-%m-%d}"
