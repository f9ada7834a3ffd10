import pytest
from django.contrib.auth.models import Group

from broadsheet.engagement.tests.conftest import article  # noqa: F401 - the same article


@pytest.fixture
def moderator(db, django_user_model):
    """An editor: Wagtail's Editors group, which may moderate comments (a migration
    grants it)."""
    user = django_user_model.objects.create_user("eda", "eda@example.org", "a long pass phrase")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client
