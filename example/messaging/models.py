"""Portal messages between customers and patients, grouped in threads."""

from __future__ import annotations

from django.db import models


class Thread(models.Model):
    """A conversation between portal customers."""

    subject = models.CharField(max_length=200)
    participants = models.ManyToManyField("legacy.CustomerUser", related_name="threads")
    created_at = models.DateTimeField(auto_now_add=True)
    is_archived = models.BooleanField(default=False)
    last_message_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.subject


class Message(models.Model):
    """One portal message from a customer, optionally addressed to a patient."""

    class Channel(models.TextChoices):
        PORTAL = "portal", "Portal"
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    # Nullable: messages sent before threads existed were never grouped.
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        "legacy.CustomerUser", on_delete=models.CASCADE, related_name="sent_messages"
    )
    # Null for messages sent to the clinic as a whole.
    recipient = models.ForeignKey(
        "legacy.AppUser",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="received_messages",
    )
    body = models.TextField()
    channel = models.CharField(max_length=10, choices=Channel, default=Channel.PORTAL)
    sent_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    is_flagged = models.BooleanField(
        default=False, help_text="Marked for review by the moderation team."
    )

    class Meta:
        ordering = ("sent_at",)
        indexes = (
            models.Index(fields=["thread", "sent_at"], name="messaging_msg_thread_sent_idx"),
        )

    def __str__(self) -> str:
        return f"message {self.pk} from {self.sender_id}"
