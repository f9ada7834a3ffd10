from django import template

from broadsheet.discovery import selectors

register = template.Library()


@register.simple_tag
def related_articles(article):
    return selectors.related_for(article)
