"""The "link this house" button beside an address a homeowner mentioned in a text (contact timeline).

The contact page (contacts app) only shows the button by URL name; this view, in the properties
app, does the linking, so contacts never imports properties. Nothing is linked without this click.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse

from contacts.models import Activity

from .services import property_link_mention


class LinkMentionAdminMixin:
    """Adds `link-mention/<activity id>/<index>/` (POST) to the property admin."""

    def get_urls(self):
        return [
            path(
                "link-mention/<int:activity_id>/<int:index>/",
                self.admin_site.admin_view(self.link_mention_view),
                name="properties_property_link_mention",
            ),
            *super().get_urls(),
        ]

    def link_mention_view(self, request, activity_id: int, index: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("properties.add_propertycontact"):
            raise PermissionDenied
        activity = Activity.objects.filter(pk=activity_id).select_related("contact").first()
        if activity is None:
            raise Http404("No such text.")
        back = reverse("admin:contacts_contact_change", args=[activity.contact_id]) + "#timeline"
        mentions = activity.reading_addresses or []
        creating = 0 <= index < len(mentions) and not mentions[index].get("property_id")
        if creating and not request.user.has_perm("properties.add_property"):
            raise PermissionDenied
        try:
            prop, created = property_link_mention(activity=activity, index=index)
        except ValidationError as exc:
            messages.error(request, "House not linked: " + " ".join(exc.messages))
            return HttpResponseRedirect(back)
        messages.success(
            request,
            f"{'Added house' if created else 'House'} #{prop.pk} ({prop}) {'and linked' if created else 'linked'} to {activity.contact}.",
        )
        return HttpResponseRedirect(back)
