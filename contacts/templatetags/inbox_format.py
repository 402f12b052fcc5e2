"""Small formats of the inbox screens."""
from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def waited(since, now):
    """How long someone has waited, in the largest sensible unit: "5 min", "3 h", "2 days"."""
    if not since or not now:
        return ""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


@register.filter
def call_length(seconds):
    """A call's duration: "4:05"."""
    if seconds is None:
        return ""
    return f"{seconds // 60}:{seconds % 60:02d}"


# Names under which the staff-only view of a media copy may be reversed (contacts.admin_media).
MEDIA_URL_NAMES = ("admin:contacts_activitymedia_file", "admin:contacts_activitymedia_download", "contacts:activity_media")


@register.filter
def media_url(media):
    """The staff-only URL of our copy of a texted photo, or "" while there is none."""
    from django.urls import NoReverseMatch, reverse

    url = getattr(media, "staff_url", None)
    if url:
        return url() if callable(url) else url
    if not getattr(media, "file", None):
        return ""
    for name in MEDIA_URL_NAMES:
        try:
            return reverse(name, args=[media.pk])
        except NoReverseMatch:
            continue
    return ""


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _when(moment, zone) -> str:
    """"Tue Mar 10, 9:05 AM" in `zone`, without strftime (it is called for every entry of a thread)."""
    local = moment.astimezone(zone)
    hour = local.hour % 12 or 12
    half = "AM" if local.hour < 12 else "PM"
    return f"{_DAYS[local.weekday()]} {_MONTHS[local.month - 1]} {local.day}, {hour}:{local.minute:02d} {half}"


def _text(value: str) -> str:
    from django.utils.html import escape

    return escape(value).replace("\n", "<br>")


def _media_html(activity, contact_name: str) -> str:
    from django.utils.html import escape

    parts = []
    for m in activity.media.all():
        url = media_url(m)
        kind = escape(m.content_type or "Photo")
        if url and getattr(m, "is_image", False):
            parts.append(f'<a href="{escape(url)}" target="_blank" class="photo">'
                         f'<img src="{escape(url)}" alt="Photo from {contact_name}" class="thumb" loading="lazy"></a>')
        elif url:
            parts.append(f'<a href="{escape(url)}" target="_blank">{kind}</a>')
        else:
            status = m.get_status_display() if hasattr(m, "get_status_display") else ""
            error = f" ({escape(m.error)})" if getattr(m, "error", "") else ""
            parts.append(f'<span class="media-missing">{kind}: {escape(status)}{error}</span>')
    return "".join(parts)


@register.simple_tag
def thread_entries(activities, contact):
    """The thread's entries as HTML, built in Python: a 500-entry thread renders in milliseconds."""
    from django.utils import timezone
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    zone = timezone.get_current_timezone()
    name = escape(str(contact))
    out = []
    for a in activities:
        kind = a.kind
        direction = a.direction or "note"
        if kind == "message":
            body = f'<p class="text">{_text(a.body)}</p>' if a.body else ""
            body += _media_html(a, name)
        elif kind in ("call", "voicemail"):
            length = f", {call_length(a.duration_seconds)}" if a.duration_seconds is not None else ""
            if kind == "call":
                what = "Incoming" if a.direction == "incoming" else "Outgoing"
                extra = f" — {escape(a.summary)}" if a.summary else (f" ({escape(a.status)})" if a.status else "")
                body = f'<p class="text">📞 {what} call{length}{extra}</p>'
                if a.body:
                    body += f'<p class="text">{_text(a.body)}</p>'
            else:
                body = f'<p class="text">📼 Voicemail{length}</p>'
            if a.recording_url:
                body += f'<audio controls preload="none" src="{escape(a.recording_url)}">Recording</audio>'
            if a.transcript:
                body += (f"<details><summary>Transcript</summary><p>{_text(a.transcript)}</p></details>" if kind == "call"
                         else f'<p class="transcript">“{escape(a.transcript)}”</p>')
        else:
            body = f'<p class="text"><strong>Note:</strong> {_text(a.body)}</p>'
        meta = _when(a.occurred_at, zone)
        if a.sent_by_id:
            meta += " · " + escape(a.sent_by.get_full_name() or a.sent_by.get_username())
        if kind == "message" and a.direction == "outgoing" and a.status:
            meta += " · " + escape(a.status)
        out.append(f'<li class="entry entry-{kind} {direction}" id="activity-{a.pk}" data-activity="{a.pk}">'
                   f'<div class="bubble">{body}</div><p class="meta">{meta}</p></li>')
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def _phone_display(e164: str) -> str:
    """(617) 555-0142 for a NANP number without parsing it (format_phone for anything else)."""
    if len(e164) == 12 and e164.startswith("+1") and e164[1:].isdigit():
        return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"
    from contacts.phone import format_phone

    return format_phone(e164)


@register.simple_tag
def inbox_table_rows(rows, view, now):
    """The inbox's rows as HTML, built in Python so 50 rows cost a few milliseconds."""
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    zone = timezone.get_current_timezone()
    first_url = reverse("inbox:thread", args=[0])
    out = []
    for row in rows:
        c = row.conversation
        contact = c.contact
        url = first_url.replace("/0/", f"/{c.pk}/")
        phone = (f'<a href="tel:{escape(contact.phone)}" class="tel">{escape(_phone_display(contact.phone))}</a>'
                 if contact.phone else "")
        preview = escape(row.preview) if row.preview else "—"
        if row.preview and not row.last_from_them:
            preview = '<span class="you">You:</span> ' + preview
        if row.has_media:
            preview = '<span class="photo-icon" title="Has a photo" aria-label="Has a photo">📷</span> ' + preview
        if c.waiting_for_reply and c.last_activity_at and view != "snoozed":
            waited_html = f'<span title="{_when(c.last_activity_at, zone)}">{waited(c.last_activity_at, now)}</span>'
        elif c.snoozed_until and c.snoozed_until > now:
            waited_html = f"until {_when(c.snoozed_until, zone)}"
        elif c.done_at:
            waited_html = f"done {_when(c.done_at, zone)}"
        else:
            waited_html = "—"
        assignee = c.assigned_to
        assigned = (escape(assignee.get_full_name() or assignee.get_username()) if assignee
                    else '<span class="quiet">nobody</span>')
        intent = (f'<span class="intent-badge intent-{escape(row.intent)}">{escape(row.intent_label)}</span>'
                  if row.intent else "")
        out.append(
            f'<tr class="inbox-row{" waiting" if c.waiting_for_reply else ""}" data-conversation="{c.pk}">'
            f'<td data-label="Homeowner" class="inbox-who"><a href="{url}" class="inbox-open">{escape(str(contact))}</a>'
            f"{phone}</td>"
            f'<td data-label="Line" class="inbox-line">{escape(row.line)}</td>'
            f'<td data-label="Last message" class="inbox-preview">{preview}</td>'
            f'<td data-label="Waited" class="inbox-waited">{waited_html}</td>'
            f'<td data-label="Assigned" class="inbox-assignee">{assigned}</td>'
            f'<td data-label="Reply">{intent}</td>'
            f'<td data-label="Campaign">{escape(row.campaign)}</td></tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
