from django import template

from broadsheet.discovery import selectors, structured_data
from broadsheet.newsroom.templatetags.newsroom_tags import json_ld

register = template.Library()


@register.simple_tag
def related_articles(article):
    return selectors.related_for(article)


@register.simple_tag(takes_context=True)
def article_json_ld(context, article):
    return json_ld(structured_data.article(article, context["request"]))


@register.simple_tag(takes_context=True)
def section_json_ld(context, section):
    return json_ld(structured_data.section(section, context["request"]))


@register.simple_tag(takes_context=True)
def author_json_ld(context, author):
    return json_ld(structured_data.author(author, context["request"]))
