"""The desk: from the dashboard to a published article in few actions (the browser
journey is test_browser_desk.py; these are its server-side rules)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from broadsheet.newsroom.tests.factories import png_bytes

pytestmark = pytest.mark.django_db


def test_a_duplicate_upload_in_the_image_chooser_stays_in_its_upload_tab(client, desk_editor):
    """The chooser swaps its upload tab's panel for the duplicate warning: the swapped-in
    panel must be a panel of the tabs, or Wagtail's tabs script throws."""
    client.force_login(desk_editor)
    for _ in range(2):
        upload = SimpleUploadedFile("IMG_0412.png", png_bytes(), content_type="image/png")
        response = client.post(
            "/admin/images/chooser/create/",
            {"image-chooser-upload-file": upload, "image-chooser-upload-description": "Steps"},
        )
    data = response.json()
    assert data["step"] == "duplicate_found"
    panel = re.search(r'<section id="tab-upload"[^>]*>', data["htmlFragment"]).group(0)
    assert 'role="tabpanel"' in panel and 'data-w-tabs-target="panel"' in panel
