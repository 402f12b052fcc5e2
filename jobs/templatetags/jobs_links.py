"""`{% homeowner_actions contact %}`: the one-click follow-up, visit and quote links for a homeowner."""
from __future__ import annotations

from django import template

from jobs.links import homeowner_action_links

register = template.Library()


@register.inclusion_tag("admin/jobs/homeowner_actions.html", takes_context=True)
def homeowner_actions(context, contact, conversation=None):
    perms = context.get("perms")
    property_id = (
        contact.property_links.order_by("id").values_list("property_id", flat=True).first() if contact else None
    )
    links = homeowner_action_links(
        contact_id=contact.pk, property_id=property_id, conversation_id=getattr(conversation, "pk", None)
    )
    needed = ["jobs.add_appointment", "jobs.add_followuptask", "jobs.add_quote"]
    allowed = [link for link, perm in zip(links, needed, strict=True) if perms is None or perms[perm.split(".")[0]][perm.split(".")[1]]]
    return {"links": allowed}
