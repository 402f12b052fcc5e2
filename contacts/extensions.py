"""Where apps above contacts add to the office's screens, without contacts importing them.

contacts knows nothing of campaigns, properties or jobs (the layers in pyproject.toml). Those apps
register here, in their admin modules, what the homeowner page and the inbox thread show of theirs:

- **Sections** at the side of the homeowner page: `section(request, contact) -> HTML`
  (campaigns: the campaigns the homeowner is in).
- **Next steps** above "Send text" on the homeowner page and under an inbox thread:
  `step(request, contact, conversation) -> HTML`, `conversation` None on the homeowner page
  (jobs: "Schedule estimate", "Add follow-up", "New quote").
- **Inlines** of the homeowner page (properties: their houses) and **actions** of the homeowners
  list (campaigns: "Add to campaign…"), each at a position among the page's own. Actions are kept
  in crm/admin_extensions.py, where any app's list takes them from, under "contacts.Contact".

    from contacts import extensions

    @extensions.contact_page_section
    def contact_campaigns_section(request, contact): ...
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils.safestring import SafeString, mark_safe

from crm import admin_extensions

Section = Callable[..., str]

_sections: list[Section] = []
_next_steps: list[Section] = []
_inlines: list[tuple[type, int]] = []


def contact_page_section(section: Section) -> Section:
    """Register `section(request, contact)`; each is shown once, in the order registered."""
    if section not in _sections:
        _sections.append(section)
    return section


def next_step(step: Section) -> Section:
    """Register `step(request, contact, conversation)`; each is shown once, in the order registered."""
    if step not in _next_steps:
        _next_steps.append(step)
    return step


def contact_admin_inline(inline: type, *, position: int) -> type:
    """Register an admin inline of the homeowner page, shown at `position` among the page's own."""
    if all(registered is not inline for registered, _ in _inlines):
        _inlines.append((inline, position))
    return inline


def contact_admin_action(action: Callable, *, position: int, permissions: Iterable[str] = ()) -> Callable:
    """Register an action of the homeowners list, offered at `position` among the list's own, to users
    holding every one of `permissions`."""
    return admin_extensions.admin_action("contacts.Contact", action, position=position, permissions=permissions)


def admin_inlines(own: list) -> list:
    """The homeowner page's inlines with the registered ones in their places."""
    return admin_extensions.placed(own, _inlines)


def render_sections(request, contact) -> list[SafeString]:
    return [mark_safe(section(request, contact)) for section in _sections]  # noqa: S308 - rendered templates


def render_next_steps(request, contact, conversation=None) -> SafeString:
    return mark_safe("".join(step(request, contact, conversation) for step in _next_steps))  # noqa: S308
