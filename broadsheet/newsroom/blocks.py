"""The blocks an article body is made of.

Kept small on purpose: every block here has a plain-text form (see `ArticlePage.plain_text`)
because that text is what structured data, search and passage anchors are built on.
"""

from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

from broadsheet.newsroom.figures import Figure, Provenance

# One text block holds many paragraphs, with headings and lists: writing the body is
# writing text. Quotes, images and embeds are blocks of their own.
PARAGRAPH_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul", "superscript", "subscript"]


class QuoteBlock(blocks.StructBlock):
    """A quotation with who said it and where, as separate fields, never one string."""

    quote = blocks.TextBlock()
    speaker = blocks.CharBlock(required=False, max_length=200)
    outlet = blocks.CharBlock(
        required=False, max_length=200, help_text="Where it was said or first published."
    )
    link = blocks.URLBlock(required=False, help_text="Link to the original source.")

    class Meta:
        icon = "openquote"
        template = "newsroom/blocks/quote.html"


class ImageBlock(blocks.StructBlock):
    """A body image carrying its own caption, credit and provenance, like the lead image."""

    image = ImageChooserBlock()
    caption = blocks.CharBlock(required=False, max_length=500)
    credit = blocks.CharBlock(required=False, max_length=200, help_text="e.g. Jane Doe/Agency")
    source = blocks.CharBlock(required=False, max_length=200)
    provenance = blocks.ChoiceBlock(
        choices=Provenance.choices, default=Provenance.STAFF, label="Kind of source"
    )
    verified = blocks.BooleanBlock(
        required=False,
        default=True,
        label="Verified by the newsroom",
        help_text="Untick when the newsroom could not verify it: readers are told so.",
    )
    usage_restriction = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "image"
        template = "newsroom/blocks/image.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["figure"] = Figure(
            image=value["image"],
            caption=value["caption"],
            credit=value["credit"],
            source=value["source"],
            provenance=value["provenance"],
            usage_restriction=value["usage_restriction"],
            verified=value["verified"],
        )
        return context


class ArticleBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(
        features=PARAGRAPH_FEATURES,
        icon="pilcrow",
        label="Text",
        help_text="Paragraphs, headings, links and lists; Enter starts a new paragraph.",
    )
    heading = blocks.CharBlock(
        max_length=200, icon="title", template="newsroom/blocks/heading.html"
    )
    quote = QuoteBlock()
    image = ImageBlock()
    embed = EmbedBlock(max_width=800, icon="media")
