"""The image form in the newsroom's words (WAGTAILIMAGES_IMAGE_FORM_BASE)."""

from pathlib import Path

from wagtail.images.forms import BaseImageForm


class ImageForm(BaseImageForm):
    """Alt text is named so, and a title left empty becomes the alt text, not the file
    name (which says nothing: "DSC_0042"). Lead images need alt text (ArticlePage.clean)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "description" in self.fields:
            self.fields["description"].label = "Alt text"
            self.fields["description"].help_text = (
                "What the picture shows, for readers who cannot see it. Required before "
                "it can lead an article."
            )
        if "title" in self.fields:
            self.fields["title"].required = False
            self.fields[
                "title"
            ].help_text = "For finding it in the image library. Empty: the alt text is used."

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("title"):
            upload = cleaned.get("file") or self.instance.file
            fallback = Path(getattr(upload, "name", "") or "").stem
            cleaned["title"] = (cleaned.get("description") or fallback or "Untitled picture")[:255]
            self.instance.title = cleaned["title"]
        return cleaned
