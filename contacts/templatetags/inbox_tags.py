"""The inbox link in the admin header, with how many conversations need a reply."""
from django import template

from contacts.inbox.selectors import inbox_needs_reply_count

register = template.Library()


@register.simple_tag
def inbox_needs_reply():
    """One indexed COUNT (the partial index conversation_needs_reply_idx)."""
    return inbox_needs_reply_count()
