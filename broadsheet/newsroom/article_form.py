"""The article's edit form (ArticlePage.base_form_class).

Its own module because models.py imports it while Django loads the models, before the
image form of forms.py can be imported."""

from wagtail.admin.forms import WagtailAdminPageForm


class ArticlePageForm(WagtailAdminPageForm):
    """A new article's body starts with one text block, so the editor types at once; an
    article saved without authors before it was ever published is signed by the editor
    who saves it (their own Author, made from their name the first time)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk and not self.is_bound and "body" in self.fields:
            block = self.fields["body"].block
            self.initial["body"] = block.to_python([{"type": "paragraph", "value": ""}])

    def save(self, commit=True):
        article = super().save(commit=commit)
        # Autosave creates the draft early and does not refresh the Authors panel, so
        # the rule holds on every save until the first publication, not on creation only.
        if (
            article.first_published_at is None
            and self.for_user is not None
            and self.for_user.is_authenticated
            and not article.article_authors.all()
        ):
            article.give_byline_to(self.for_user)
            if commit:
                article.article_authors.commit()
        return article
