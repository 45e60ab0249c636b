"""python-caldav against a convene server: a second, independent CalDAV client (test/caldav-python.test.ts).

Usage: caldav_client.py <dav url> <username> <token> <event uuid> create|update|delete [sync token]
Each step discovers the principal and its calendars, does its part of a create / read / search /
find by UID / update / sync-collection / delete round and prints what it saw as one JSON object on stdout
(with the sync token the next step starts from); the test asserts on it and looks at GraphQL in
between. Exits non-zero on any error.
"""

import json
import sys
from datetime import datetime, timezone

import caldav
from caldav.lib.error import ConsistencyError

url, username, token, uid, step = sys.argv[1:6]
sync_token = sys.argv[6] if len(sys.argv) > 6 else None


def event(summary):
    # A weekly series with one occurrence excluded and an alarm: what a desktop client writes.
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//convene tests//python-caldav//EN",
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20260101T000000Z",
            "DTSTART;TZID=Europe/Berlin:20260504T090000",
            "DTEND;TZID=Europe/Berlin:20260504T093000",
            "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4",
            "EXDATE;TZID=Europe/Berlin:20260511T090000",
            f"SUMMARY:{summary}",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:in 15 minutes",
            "TRIGGER:-PT15M",
            "END:VALARM",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


def utc(year, month, day):
    return datetime(year, month, day, tzinfo=timezone.utc)


def search(start, end):
    return sorted(str(e.url) for e in calendar.search(start=start, end=end, event=True, expand=False))


def by_url(href):
    resource = calendar.event_by_url(href)
    resource.load()
    return resource


client = caldav.DAVClient(url=url, username=username, password=token)
principal = client.principal()
calendars = principal.calendars()
calendar = next(c for c in calendars if not str(c.url).rstrip("/").endswith("/tasks"))
href = calendar.url.join(f"{uid}.ics")
out = {
    "principal": str(principal.url),
    "calendars": sorted([{"url": str(c.url), "name": c.name} for c in calendars], key=lambda c: c["url"]),
}

if step == "create":
    out["syncToken"] = calendar.objects_by_sync_token(load_objects=False).sync_token
    created = calendar.save_event(event("planning"))
    out["created"] = str(created.url)
    vevent = by_url(created.url).vobject_instance.vevent
    out["read"] = {
        "summary": vevent.summary.value,
        "rrule": vevent.rrule.value,
        "exdates": [d.isoformat() for group in vevent.contents.get("exdate", []) for d in group.value],
        "alarmSeconds": vevent.valarm.trigger.value.total_seconds(),
    }
    out["search"] = search(utc(2026, 5, 1), utc(2026, 6, 1))
    # A calendar-query with a UID text-match: finding the event, and refusing to save it again.
    out["byUid"] = str(calendar.event_by_uid(uid).url)
    try:
        calendar.save_event(event("planning, again"), no_overwrite=True)
        out["savedAgain"] = True
    except ConsistencyError:
        out["savedAgain"] = False
    out["searchElsewhere"] = search(utc(2026, 8, 1), utc(2026, 9, 1))
elif step == "update":
    resource = by_url(href)
    resource.vobject_instance.vevent.summary.value = "planning, moved"
    resource.save()
    changed = calendar.objects_by_sync_token(sync_token=sync_token, load_objects=True)
    out["sync"] = [{"url": str(o.url), "summary": o.vobject_instance.vevent.summary.value} for o in changed]
    out["syncToken"] = changed.sync_token
elif step == "delete":
    by_url(href).delete()
    out["syncAfterDelete"] = [str(o.url) for o in calendar.objects_by_sync_token(sync_token=sync_token, load_objects=False)]
    out["search"] = search(utc(2026, 5, 1), utc(2026, 6, 1))

print(json.dumps(out))
