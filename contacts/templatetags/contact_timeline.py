"""Template filters for a homeowner's timeline on the contact page."""
from django import template

register = template.Library()


@register.filter
def call_duration(seconds) -> str:
    """`252` -> "4 min 12 s", `42` -> "42 s", None -> ""."""
    if seconds in (None, ""):
        return ""
    seconds = int(seconds)
    minutes, rest = divmod(seconds, 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    return f"{rest} s"


@register.filter
def reading_label(category) -> str:
    """`not_interested` -> "Not interested" (the reply categories' labels)."""
    from contacts.reading import ReplyCategory

    try:
        return ReplyCategory(category).label
    except ValueError:
        return category
