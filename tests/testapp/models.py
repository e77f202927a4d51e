"""Models with every shape the graph must read: abstract, proxy, multi-table,
unmanaged, many-to-many with and without a through model, generic keys."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Timestamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Person(Timestamped):
    """Someone the tests know."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=100, default="anonymous")


class Employee(Person):
    salary = models.IntegerField(null=True)


class PersonProxy(Person):
    class Meta:
        proxy = True


class Badge(models.Model):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="badge")


class Team(models.Model):
    members = models.ManyToManyField(Person, related_name="teams")
    lead = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")


class Project(models.Model):
    people = models.ManyToManyField(Person, through="Membership")


class Membership(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    project = models.ForeignKey(Project, on_delete=models.CASCADE)


class Note(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")


class ReportingView(models.Model):
    total = models.IntegerField()

    class Meta:
        managed = False
        db_table = "testapp_reporting_view"
