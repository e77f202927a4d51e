"""Three kinds of criteria inheriting one concrete ``Criteria`` table.

The end-to-end test copies this app, rewrites these models the way story 3
does (the children stop inheriting and take the parent's fields as their
own) and checks the migration ``makemigrations`` writes for it.
"""

from __future__ import annotations

from django.db import models


class Tenant(models.Model):
    name = models.CharField(max_length=100)


class Criteria(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    enabled = models.BooleanField(default=True)


class MaintainerCriteria(Criteria):
    criteria = models.OneToOneField(
        Criteria,
        on_delete=models.CASCADE,
        parent_link=True,
        related_name="maintainer_criteria",
    )
    reviews_greater_than = models.IntegerField()
    reviews_less_than = models.IntegerField()


class ContributorCriteria(Criteria):
    commits_greater_than = models.IntegerField()
    commits_less_than = models.IntegerField()


class ReviewerCriteria(Criteria):
    reviews = models.IntegerField(default=0)
