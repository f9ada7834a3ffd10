"""The suite's own test database: copied from a template migrated once
(broadsheet/tests/testdb.py), with the rows migrations made put back after every test
that flushes it (conftest.py). Tests after a flush on the same worker must find the
site as migrations left it, or they would pass or fail by the order files run in."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from wagtail.models import Page, Site

from broadsheet.tests.testdb import migrations_key

pytestmark = pytest.mark.django_db


def as_migrated():
    return {
        "editors": sorted(Group.objects.get(name="Editors").permissions.values_list("codename")),
        "moderators": Group.objects.get(name="Moderators").permissions.count(),
        "permissions": Permission.objects.count(),
        "site_root": Site.objects.get(is_default_site=True).root_page.specific_class,
        "pages": Page.objects.count(),
    }


# What the flushing test below found, for the test after it.
before_the_flush = {}


def test_the_database_starts_as_migrations_left_it():
    migrated = as_migrated()
    assert migrated["editors"]
    assert migrated["pages"] >= 2  # Wagtail's root and the default site's page
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_test_that_flushes_may_change_what_migrations_made():
    before_the_flush.update(as_migrated())
    Group.objects.get(name="Editors").permissions.clear()
    Site.objects.all().delete()
    User.objects.create_user("flusher", "flusher@example.org", "a-long-password")


@pytest.mark.django_db(transaction=True)
def test_after_a_flush_the_next_test_finds_the_migrated_rows_and_nothing_else():
    """pytest-django runs transactional tests after the others, in file order, so this
    one follows the flush above."""
    if not before_the_flush:
        pytest.skip("the flushing test above was not run")
    assert as_migrated() == before_the_flush
    assert not User.objects.exists()


def test_the_template_is_made_anew_when_a_model_asks_for_other_permissions(monkeypatch):
    """A permission a model declares is made by post_migrate, not by a migration's text:
    a template kept past such a change would lack it."""
    before = migrations_key(connection)
    monkeypatch.setattr(User._meta, "permissions", [("audit_user", "Can audit users")])
    assert migrations_key(connection) != before
