"""Admin template helpers: the office's list titles and the favicon links."""
from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from crm.admin_site import list_title

register = template.Library()


@register.filter
def office_list_title(opts) -> str:
    """A model's list title in the office's words: "Homeowners", not "Select contact to change"."""
    return list_title(opts)


@register.simple_tag
def favicon_links() -> str:
    return format_html(
        '<link rel="icon" href="{}" type="image/svg+xml"><link rel="icon" href="{}" sizes="32x32">',
        static("crm/favicon.svg"), static("crm/favicon.ico"),
    )
