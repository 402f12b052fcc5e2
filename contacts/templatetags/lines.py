"""`{{ phone_number_id|line_label }}`: a line shown by its name and number, not its PN id."""
from django import template

from contacts.selectors import line_label as _line_label

register = template.Library()


@register.filter
def line_label(phone_number_id) -> str:
    return _line_label(phone_number_id or "")
