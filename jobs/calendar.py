"""A user's visits as an iCalendar feed: stable UIDs, SEQUENCE from each edit, times in the business's zone."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from icalendar import Calendar, Event

from .models import AppointmentState

_STATUS = {
    AppointmentState.SCHEDULED: "CONFIRMED",
    AppointmentState.DONE: "CONFIRMED",
    AppointmentState.NO_SHOW: "CONFIRMED",
    AppointmentState.CANCELLED: "CANCELLED",
}


def appointment_uid(appointment) -> str:
    return f"visit-{appointment.pk}@attackacrack-crm"


def calendar_build(*, visits, name: str) -> bytes:
    zone = ZoneInfo(settings.TIME_ZONE)
    calendar = Calendar()
    calendar.add("prodid", "-//Attack-a-Crack CRM//Visits//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for visit in visits:
        event = Event()
        event.add("uid", appointment_uid(visit))
        event.add("sequence", visit.sequence)
        event.add("dtstamp", visit.updated_at)
        event.add("last-modified", visit.updated_at)
        event.add("dtstart", visit.starts_at.astimezone(zone))
        event.add("dtend", visit.ends_at.astimezone(zone))
        event.add("summary", f"{visit.get_kind_display()}: {visit.contact}")
        event.add("status", _STATUS[visit.state])
        if visit.property:
            event.add("location", f"{visit.property.address}, {visit.property.city}, {visit.property.state}")
        description = [f"Homeowner: {visit.contact} {visit.contact.phone_display}".strip()]
        if visit.state != AppointmentState.SCHEDULED:
            description.append(f"State: {visit.get_state_display()}")
        if visit.notes:
            description.append(visit.notes)
        event.add("description", "\n".join(description))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
