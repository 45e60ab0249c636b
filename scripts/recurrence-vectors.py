#!/usr/bin/env python3
"""Test vectors for src/calendar/recurrence.ts, computed independently with python-dateutil.

Usage:  python3 scripts/recurrence-vectors.py > test/data/recurrence-vectors.json

Needs Python >= 3.9 (zoneinfo, with the system tz database) and python-dateutil. On this
project's machines dateutil 2.9 came with the Python installation; where it is missing,
`apt-get install -y python3-dateutil` (Debian) provides it. The output is deterministic (fixed
random seed) and checked in, so the tests never need Python.

What a vector is: a series (zone, local start, length), one of our rules (convene's model:
type / interval / days / dayInMonth / month (1-based) / until (inclusive date) / occurrences),
a window [from, to) and the occurrences that overlap it, each with its 1-based position, local
date and UTC start/end instants; plus startsOnOccurrence and seriesEnd for the whole series.

How the model maps onto RRULE (expanded by dateutil.rrule on *naive local* date-times, i.e. in
wall-clock time as RFC 5545 does, then resolved to instants):
  DAILY    FREQ=DAILY;INTERVAL=i                                 (dtstart = series start)
  WEEKLY   FREQ=WEEKLY;INTERVAL=i;BYDAY=..;WKST=MO               (dtstart = series start)
           until -> UNTIL=<until>T235959 (inclusive day), occurrences -> COUNT: both by dateutil.
  MONTHLY  OX's dayInMonth (213, 1..31) is "the nth day among those selected by days; if the
           number is bigger than the number of available days, the last available day".
           RRULE has no such clamp: BYMONTHDAY=31 *skips* months shorter than 31 days, and
           BYSETPOS=23 with BYDAY=MO,TU,WE,TH,FR skips months with fewer than 23 weekdays. What
           we want per month is BYSETPOS=n where the month has >= n selected days and
           BYSETPOS=-1 where it has fewer. So we ask dateutil for both in one rule and keep the
           earlier date of each period (if the nth exists it is <= the last; if not, only the
           last is there):
             days absent:     FREQ=MONTHLY;INTERVAL=i;BYMONTHDAY=n,-1
             days given:      FREQ=MONTHLY;INTERVAL=i;BYDAY=..;BYSETPOS=n,-1
           "days given" includes all seven listed (BYDAY=MO..SU): a second mapping of the plain
           day of the month. The rrule text in a vector says "(min per period)" for this.
  YEARLY   the same in one month: FREQ=YEARLY;BYMONTH=m;BYMONTHDAY=n,-1 or BYDAY=..;BYSETPOS=n,-1.
  For MONTHLY and YEARLY the per-period grouping must see whole periods, so dateutil starts at
  the first day of the start's month (year) at the same wall time and dates before the series
  start are dropped afterwards; COUNT and UNTIL are then applied to the filtered list.
  Positions are the 1-based index in the list from the series start (brute force, no skipping).
A second, dateutil-free brute-force implementation (day by day over the calendar) must agree
with the dateutil-derived dates for every case, or the script stops.

Local time -> instant: datetime(..., tzinfo=ZoneInfo(zone), fold=0).timestamp(). PEP 495's
fold=0 takes the offset from *before* a transition: a nonexistent time (spring-forward gap) is
thus moved forward by the gap (02:30 -> 03:30), an ambiguous one (fall-back) gets the first,
earlier instant. That is Temporal's disambiguation 'compatible' and RFC 5545 3.3.5; the script
asserts it on the 2026 transitions of the four zones before generating anything.
Timed occurrences end durationMs after their start instant; full-time ones span local midnight of
their date to local midnight `days` days later (fold=0 too).

Coverage, part 1: hand-picked cases (RFC-style rules, 02:30 on spring-forward and fall-back days in
Europe/Berlin, America/New_York and Australia/Sydney, full-day events across DST, too-big
dayInMonth, nth / last weekday, until on an occurrence date, occurrences, interval > 1, long
events overlapping the window start, series that do not start on an occurrence) and random rules
in Europe/Berlin, America/New_York, Australia/Sydney and UTC, each with windows at the start,
years later (skip-ahead) and around a DST transition.
Part 2 (OX 213, dayInMonth with days beyond the fifth; own random stream, seed 213): the
reference's wording as named cases (23rd weekday, 9th Saturday, all seven with 31, February in
leap and other years); every shape of day set (each single day, weekdays, weekend, all seven,
Monday-Thursday, pairs and triples, six days, random sets) with dayInMonth 1, 2, 31, a random
one and the numbers around 4 x (days in the set), where months differ in having the nth or not,
MONTHLY (interval 1..3) and YEARLY, in Europe/Berlin, America/New_York, Australia/Sydney,
America/Sao_Paulo, Pacific/Auckland, Asia/Kolkata (+05:30) and UTC, often at the zone's DST wall
times, with and without occurrences / until (some until decades ahead); and series starting at a
wall time inside a spring-forward gap or a fall-back overlap on a transition day, with rules
that pick that day (its index among the selected days, or a bigger number when it is the last),
Sao Paulo's midnight gaps also as full-day series.
"""
import json
import random
import sys
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil import rrule as R

ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'UTC']
WEEKDAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY']
DU_DAY = {'SUNDAY': R.SU, 'MONDAY': R.MO, 'TUESDAY': R.TU, 'WEDNESDAY': R.WE, 'THURSDAY': R.TH, 'FRIDAY': R.FR, 'SATURDAY': R.SA}
FREQ = {'DAILY': R.DAILY, 'WEEKLY': R.WEEKLY, 'MONTHLY': R.MONTHLY, 'YEARLY': R.YEARLY}


def ox_weekday(d):
    """0 = Sunday ... 6 = Saturday."""
    return (d.weekday() + 1) % 7


def iso_z(ts):
    dt = datetime.fromtimestamp(ts, timezone.utc)
    return dt.strftime('%Y-%m-%dT%H:%M:%S.') + f'{dt.microsecond // 1000:03d}Z'


def instant(local_naive, zone):
    """Local wall time -> POSIX seconds, fold=0 ('compatible')."""
    return local_naive.replace(tzinfo=ZoneInfo(zone), fold=0).timestamp()


def check_fold_semantics():
    cases = [
        ('Europe/Berlin', '2026-03-29T02:30', '2026-03-29T01:30:00.000Z'),  # gap -> 03:30 CEST
        ('Europe/Berlin', '2026-10-25T02:30', '2026-10-25T00:30:00.000Z'),  # overlap -> first (CEST)
        ('America/New_York', '2026-03-08T02:30', '2026-03-08T07:30:00.000Z'),  # gap -> 03:30 EDT
        ('America/New_York', '2026-11-01T01:30', '2026-11-01T05:30:00.000Z'),  # overlap -> EDT
        ('Australia/Sydney', '2026-10-04T02:30', '2026-10-03T16:30:00.000Z'),  # gap -> 03:30 AEDT
        ('Australia/Sydney', '2026-04-05T02:30', '2026-04-04T15:30:00.000Z'),  # overlap -> AEDT
        ('Pacific/Auckland', '2026-09-27T02:30', '2026-09-26T14:30:00.000Z'),  # gap -> 03:30 NZDT
        ('Pacific/Auckland', '2026-04-05T02:30', '2026-04-04T13:30:00.000Z'),  # overlap -> NZDT
        ('America/Sao_Paulo', '2018-11-04T00:30', '2018-11-04T03:30:00.000Z'),  # gap at midnight -> 01:30 -02
        ('America/Sao_Paulo', '2019-02-16T23:30', '2019-02-17T01:30:00.000Z'),  # overlap -> -02
        ('Asia/Kolkata', '2026-03-29T02:30', '2026-03-28T21:00:00.000Z'),  # +05:30, no DST
    ]
    for zone, local, expected in cases:
        got = iso_z(instant(datetime.fromisoformat(local), zone))
        assert got == expected, (zone, local, got, expected)


# ------------------------------------------------------------------------------------------
# Reference 1: dateutil.


def dateutil_dates(case, horizon):
    """Occurrence local dates (ascending, from the series start, at most up to `horizon`),
    with COUNT / UNTIL applied. Returns (dates, rrule text)."""
    rule = case['rule']
    typ = rule['type']
    start = datetime.fromisoformat(case['series']['start'])  # date-only parses to midnight
    start_date = start.date()
    interval = rule.get('interval') or 1
    days = rule.get('days') or WEEKDAYS
    until = date.fromisoformat(rule['until']) if rule.get('until') else None
    count = rule.get('occurrences')
    end = min(horizon, until) if until else horizon
    end_dt = datetime.combine(end, time(23, 59, 59))

    if typ in ('DAILY', 'WEEKLY'):
        kwargs = dict(dtstart=start, interval=interval, wkst=R.MO)
        if typ == 'WEEKLY':
            kwargs['byweekday'] = [DU_DAY[d] for d in days]
        if count:
            kwargs['count'] = count
        elif until:
            kwargs['until'] = datetime.combine(until, time(23, 59, 59))
        rr = R.rrule(FREQ[typ], **kwargs)
        out = []
        for dt in rr:
            if dt > end_dt:
                break
            out.append(dt.date())
        return out, str(rr)

    n = rule['dayInMonth']
    if typ == 'MONTHLY':
        dtstart = start.replace(day=1)
        kwargs = dict(dtstart=dtstart, interval=interval, wkst=R.MO)
        period = lambda d: (d.year, d.month)
    else:
        dtstart = start.replace(month=1, day=1)
        kwargs = dict(dtstart=dtstart, interval=1, wkst=R.MO, bymonth=rule['month'])
        period = lambda d: d.year
    if not rule.get('days'):
        kwargs['bymonthday'] = sorted({n, -1})
    else:
        # Also for an explicit list of all seven: BYSETPOS over every day of the month, an
        # independent check that it is the same as the plain day of the month.
        kwargs['byweekday'] = [DU_DAY[d] for d in days]
        kwargs['bysetpos'] = [n, -1]
    rr = R.rrule(FREQ[typ], **kwargs)
    chosen = {}
    for dt in rr:
        if dt > end_dt + timedelta(days=62):  # finish the last period
            break
        p = period(dt)
        if p not in chosen or dt.date() < chosen[p]:
            chosen[p] = dt.date()
    out = [d for d in sorted(chosen.values()) if start_date <= d <= end]
    if count:
        out = out[:count]
    text = str(rr).replace('BYSETPOS=', 'BYSETPOS(min per period)=').replace('BYMONTHDAY=', 'BYMONTHDAY(min per period)=')
    return out, text


# ------------------------------------------------------------------------------------------
# Reference 2: brute force over the calendar, no dateutil.


def brute_dates(case, horizon):
    rule = case['rule']
    typ = rule['type']
    start = date.fromisoformat(case['series']['start'][:10])
    interval = rule.get('interval') or 1
    days = set(rule.get('days') or WEEKDAYS)
    until = date.fromisoformat(rule['until']) if rule.get('until') else None
    count = rule.get('occurrences')
    monday0 = start - timedelta(days=start.weekday())

    picked = {}

    def pick(y, m):
        # OX 213: the nth day of the month among those selected by `days`; "if the number is
        # bigger than the number of available days, the last available day is selected".
        if (y, m) not in picked:
            n = rule['dayInMonth']
            matching = []
            d = date(y, m, 1)
            while d.month == m:
                if WEEKDAYS[ox_weekday(d)] in days:
                    matching.append(d)
                d += timedelta(days=1)
            picked[(y, m)] = matching[min(n, len(matching)) - 1]
        return picked[(y, m)]

    out = []
    d = start
    while d <= horizon and (until is None or d <= until):
        ok = False
        if typ == 'DAILY':
            ok = (d - start).days % interval == 0
        elif typ == 'WEEKLY':
            ok = ((d - monday0).days // 7) % interval == 0 and WEEKDAYS[ox_weekday(d)] in days
        elif typ == 'MONTHLY':
            months = (d.year - start.year) * 12 + d.month - start.month
            ok = months % interval == 0 and pick(d.year, d.month) == d
        elif typ == 'YEARLY':
            ok = d.month == rule['month'] and pick(d.year, d.month) == d
        if ok:
            out.append(d)
            if count and len(out) >= count:
                break
        d += timedelta(days=1)
    return out


# ------------------------------------------------------------------------------------------
# Occurrences and vectors.


def occurrences(case, dates):
    s = case['series']
    zone = s['timezone']
    result = []
    for position, d in enumerate(dates, start=1):
        if s['fullTime']:
            a = instant(datetime.combine(d, time()), zone)
            b = instant(datetime.combine(d + timedelta(days=s['days']), time()), zone)
        else:
            t = datetime.fromisoformat(s['start']).time()
            a = instant(datetime.combine(d, t), zone)
            b = a + s['durationMs'] / 1000
        result.append((position, d, a, b))
    return result


def bounded(rule):
    return bool(rule.get('until') or rule.get('occurrences'))


def make_vector(case, window_from, window_to, note):
    """window_from / window_to: POSIX seconds."""
    horizon = datetime.fromtimestamp(window_to, timezone.utc).date() + timedelta(days=3)
    rule = case['rule']
    if bounded(rule):
        # The whole series, for seriesEnd (bounded cases are kept small).
        if rule.get('occurrences'):
            # Past the last occurrence: at most one period per occurrence after the start.
            period = {'DAILY': 1, 'WEEKLY': 7, 'MONTHLY': 31, 'YEARLY': 366}[rule['type']] * rule['interval']
            last = date.fromisoformat(case['series']['start'][:10]) + timedelta(days=(rule['occurrences'] + 1) * period)
            horizon = max(horizon, date(2200, 1, 1), last)
        else:
            horizon = max(horizon, date.fromisoformat(rule['until']))
    if rule['type'] == 'NONE':
        dates, text = [date.fromisoformat(case['series']['start'][:10])], ''
    else:
        dates, text = dateutil_dates(case, horizon)
        check = brute_dates(case, horizon)
        if dates != check:
            raise SystemExit(f'dateutil and brute force disagree on {case["id"]}: {dates[:5]}... vs {check[:5]}...')
    occ = occurrences(case, dates)
    start_date = date.fromisoformat(case['series']['start'][:10])
    expected = [
        {'position': p, 'date': d.isoformat(), 'start': iso_z(a), 'end': iso_z(b)}
        for p, d, a, b in occ
        if a < window_to and b > window_from
    ]
    series_end = None
    if rule['type'] != 'NONE' and bounded(rule):
        # A bounded series without any occurrence ends at its (local) start.
        series_end = iso_z(occ[-1][3]) if occ else iso_z(instant(datetime.fromisoformat(case['series']['start']), case['series']['timezone']))
    elif rule['type'] == 'NONE':
        series_end = iso_z(occ[0][3])
    return {
        'id': case['id'] + (f'/{note}' if note else ''),
        'note': case.get('note', ''),
        'series': case['series'],
        'rule': rule,
        'rrule': text,
        'from': iso_z(window_from),
        'to': iso_z(window_to),
        'expected': expected,
        'startsOnOccurrence': rule['type'] == 'NONE' or (bool(dates) and dates[0] == start_date),
        'seriesEnd': series_end,
    }


def local_ts(zone, text):
    return instant(datetime.fromisoformat(text), zone)


def dst_transitions(zone, year):
    """Local dates (noon-to-noon) on which the UTC offset changes."""
    z = ZoneInfo(zone)
    out = []
    d = date(year, 1, 1)
    prev = datetime.combine(d, time(12), z).utcoffset()
    while d.year == year:
        d += timedelta(days=1)
        off = datetime.combine(d, time(12), z).utcoffset()
        if off != prev:
            out.append(d - timedelta(days=1))
        prev = off
    return out


def timed(zone, start, minutes=60):
    return {'timezone': zone, 'fullTime': False, 'start': start, 'durationMs': minutes * 60_000}


def fullday(zone, start, days=1):
    return {'timezone': zone, 'fullTime': True, 'start': start, 'days': days}


def rule(typ, **fields):
    r = {'type': typ}
    if typ != 'NONE':
        r['interval'] = fields.pop('interval', 1)
    r.update(fields)
    return r


def hand_picked():
    """(case, [(from local, to local, note)]) with windows in the series' zone."""
    B, N, S, U = 'Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'UTC'
    cases = []

    def add(id_, series, r, windows, note=''):
        cases.append(({'id': id_, 'series': series, 'rule': r, 'note': note}, windows))

    # RFC 5545 3.8.5.3-style rules in America/New_York.
    add('rfc-daily-10', timed(N, '1997-09-02T09:00'), rule('DAILY', occurrences=10), [('1997-09-01T00:00', '1997-10-01T00:00', '')])
    add('rfc-every-other-day', timed(N, '1997-09-02T09:00'), rule('DAILY', interval=2), [('1997-09-01T00:00', '1997-12-01T00:00', '')])
    add('rfc-every-10-days-5', timed(N, '1997-09-02T09:00'), rule('DAILY', interval=10, occurrences=5), [('1997-09-01T00:00', '1998-01-01T00:00', '')])
    add('rfc-weekly-10', timed(N, '1997-09-02T09:00'), rule('WEEKLY', days=['TUESDAY'], occurrences=10), [('1997-09-01T00:00', '1998-01-01T00:00', '')])
    add('rfc-weekly-until', timed(N, '1997-09-02T09:00'), rule('WEEKLY', days=['TUESDAY'], until='1997-12-24'), [('1997-09-01T00:00', '1998-01-01T00:00', '')])
    add('rfc-biweekly-mwf', timed(N, '1997-09-01T09:00'), rule('WEEKLY', interval=2, days=['MONDAY', 'WEDNESDAY', 'FRIDAY'], until='1997-12-24'), [('1997-09-01T00:00', '1998-01-01T00:00', '')])
    add('rfc-monthly-first-friday', timed(N, '1997-09-05T09:00'), rule('MONTHLY', days=['FRIDAY'], dayInMonth=1, occurrences=10), [('1997-09-01T00:00', '1998-08-01T00:00', '')])
    add('rfc-monthly-last-sunday', timed(N, '1997-09-28T09:00'), rule('MONTHLY', days=['SUNDAY'], dayInMonth=5, occurrences=6), [('1997-09-01T00:00', '1998-04-01T00:00', '')])
    # DST: 02:30 daily over spring-forward (gap) and fall-back (overlap) days.
    add('berlin-0230-spring', timed(B, '2026-03-27T02:30', 30), rule('DAILY'), [('2026-03-26T00:00', '2026-04-01T00:00', '')])
    add('berlin-0230-fall', timed(B, '2026-10-23T02:30', 30), rule('DAILY'), [('2026-10-22T00:00', '2026-10-28T00:00', '')])
    add('ny-0230-spring', timed(N, '2026-03-06T02:30', 30), rule('DAILY'), [('2026-03-05T00:00', '2026-03-11T00:00', '')])
    add('ny-0130-fall', timed(N, '2026-10-30T01:30', 30), rule('DAILY'), [('2026-10-29T00:00', '2026-11-04T00:00', '')])
    add('sydney-0230-spring', timed(S, '2026-10-02T02:30', 30), rule('DAILY'), [('2026-10-01T00:00', '2026-10-07T00:00', '')])
    add('sydney-0230-fall', timed(S, '2026-04-03T02:30', 30), rule('DAILY'), [('2026-04-02T00:00', '2026-04-08T00:00', '')])
    add('berlin-series-starts-in-gap', timed(B, '2026-03-29T02:30', 60), rule('WEEKLY', days=['SUNDAY'], occurrences=3), [('2026-03-28T00:00', '2026-04-20T00:00', '')])
    # Yearly on the DST days themselves (last Sunday of March / October in Berlin).
    add('berlin-yearly-last-sunday-march-0230', timed(B, '2026-03-29T02:30'), rule('YEARLY', days=['SUNDAY'], dayInMonth=5, month=3), [('2026-01-01T00:00', '2036-01-01T00:00', ''), ('2051-01-01T00:00', '2056-01-01T00:00', 'skip')])
    add('berlin-yearly-last-sunday-october-0230', timed(B, '2026-10-25T02:30'), rule('YEARLY', days=['SUNDAY'], dayInMonth=5, month=10), [('2026-01-01T00:00', '2036-01-01T00:00', '')])
    add('ny-monthly-2nd-sunday-0230', timed(N, '2026-03-08T02:30'), rule('MONTHLY', days=['SUNDAY'], dayInMonth=2), [('2026-03-01T00:00', '2027-04-01T00:00', '')])
    add('sydney-monthly-1st-sunday-0230', timed(S, '2026-04-05T02:30'), rule('MONTHLY', days=['SUNDAY'], dayInMonth=1), [('2026-04-01T00:00', '2027-05-01T00:00', '')])
    # Full-day events across DST: 23 h and 25 h days.
    add('berlin-fullday-daily', fullday(B, '2026-03-27'), rule('DAILY'), [('2026-03-26T00:00', '2026-04-01T00:00', ''), ('2026-10-23T00:00', '2026-10-28T00:00', 'fall')])
    add('ny-fullday-weekly-sunday', fullday(N, '2026-03-01'), rule('WEEKLY', days=['SUNDAY']), [('2026-03-01T00:00', '2026-03-16T00:00', ''), ('2026-10-25T00:00', '2026-11-09T00:00', 'fall')])
    add('sydney-fullday-weekly-sunday', fullday(S, '2026-03-29'), rule('WEEKLY', days=['SUNDAY']), [('2026-03-29T00:00', '2026-04-13T00:00', ''), ('2026-09-27T00:00', '2026-10-12T00:00', 'spring')])
    add('berlin-fullday-3days-lookback', fullday(B, '2026-01-05', 3), rule('WEEKLY', days=['MONDAY']), [('2026-03-31T12:00', '2026-04-02T00:00', ''), ('2030-10-29T00:00', '2030-10-30T00:00', 'skip')])
    add('berlin-long-timed-lookback', timed(B, '2026-01-01T18:00', 60 * 50), rule('DAILY', interval=3), [('2026-02-02T00:00', '2026-02-03T00:00', '')])
    # Too-big dayInMonth = last day; nth weekday too big = last.
    add('monthly-31st', timed(B, '2026-01-31T10:00'), rule('MONTHLY', dayInMonth=31), [('2026-01-01T00:00', '2027-03-01T00:00', ''), ('2028-01-01T00:00', '2028-04-01T00:00', 'leap')])
    add('monthly-30th-every-2', timed(N, '2026-01-30T10:00'), rule('MONTHLY', interval=2, dayInMonth=30), [('2026-01-01T00:00', '2028-06-01T00:00', '')])
    add('monthly-29th-from-march', fullday(U, '2027-03-29'), rule('MONTHLY', dayInMonth=29, occurrences=14), [('2027-01-01T00:00', '2029-01-01T00:00', '')])
    add('monthly-5th-friday', timed(B, '2026-01-30T08:00'), rule('MONTHLY', days=['FRIDAY'], dayInMonth=5), [('2026-01-01T00:00', '2027-01-01T00:00', '')])
    add('monthly-first-weekday', timed(N, '2026-02-02T08:00'), rule('MONTHLY', days=['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'], dayInMonth=1), [('2026-02-01T00:00', '2027-02-01T00:00', '')])
    add('monthly-5th-weekday', timed(N, '2026-02-06T08:00'), rule('MONTHLY', days=['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'], dayInMonth=5), [('2026-02-01T00:00', '2027-02-01T00:00', '')])
    add('monthly-2nd-weekend-day', timed(S, '2026-01-04T11:00'), rule('MONTHLY', days=['SATURDAY', 'SUNDAY'], dayInMonth=2), [('2026-01-01T00:00', '2027-01-01T00:00', '')])
    add('yearly-feb-29', fullday(B, '2024-02-29'), rule('YEARLY', dayInMonth=29, month=2), [('2024-01-01T00:00', '2033-01-01T00:00', '')])
    add('yearly-feb-31-is-last', timed(U, '2025-02-28T12:00'), rule('YEARLY', dayInMonth=31, month=2), [('2025-01-01T00:00', '2034-01-01T00:00', '')])
    add('yearly-thanksgiving', timed(N, '2025-11-27T15:00', 240), rule('YEARLY', days=['THURSDAY'], dayInMonth=4, month=11), [('2025-01-01T00:00', '2035-01-01T00:00', ''), ('2090-01-01T00:00', '2095-01-01T00:00', 'skip')])
    # until inclusive (on an occurrence date, with the occurrence late in the day) and occurrences.
    add('until-on-occurrence-late', timed(S, '2026-05-01T23:30', 20), rule('DAILY', interval=2, until='2026-05-11'), [('2026-04-30T00:00', '2026-05-20T00:00', '')])
    add('until-between-occurrences', timed(B, '2026-05-04T09:00'), rule('WEEKLY', days=['MONDAY', 'THURSDAY'], until='2026-05-20'), [('2026-05-01T00:00', '2026-06-01T00:00', '')])
    add('occurrences-weekly-3days-skip', timed(B, '2026-01-07T07:00'), rule('WEEKLY', interval=3, days=['MONDAY', 'WEDNESDAY', 'SATURDAY'], occurrences=40), [('2026-09-01T00:00', '2027-01-01T00:00', '')])
    add('weekly-sunday-monday-wkst', timed(B, '2026-01-05T09:00'), rule('WEEKLY', interval=2, days=['SUNDAY', 'MONDAY']), [('2026-01-01T00:00', '2026-03-01T00:00', '')])
    # Skip-ahead from long ago.
    add('daily-since-1990', timed(B, '1990-01-01T09:00'), rule('DAILY'), [('2030-03-28T00:00', '2030-04-03T00:00', '')])
    add('weekly-since-1995-mwf', timed(N, '1995-01-02T08:15', 45), rule('WEEKLY', days=['MONDAY', 'WEDNESDAY', 'FRIDAY']), [('2031-10-28T00:00', '2031-11-12T00:00', '')])
    add('daily-since-1990-count', timed(U, '1990-01-01T00:00'), rule('DAILY', occurrences=15000), [('2031-01-01T00:00', '2031-02-01T00:00', '')])
    add('daily-since-1990-until', fullday(S, '1990-01-01'), rule('DAILY', interval=7, until='2030-06-09'), [('2030-05-01T00:00', '2030-07-01T00:00', '')])
    # Not starting on an occurrence: dates from the start on, numbered from 1 (like dateutil).
    add('unsynced-weekly', timed(B, '2026-01-07T09:00'), rule('WEEKLY', days=['MONDAY', 'FRIDAY']), [('2026-01-01T00:00', '2026-02-01T00:00', '')])
    add('unsynced-monthly', timed(B, '2026-01-20T09:00'), rule('MONTHLY', dayInMonth=10), [('2026-01-01T00:00', '2026-06-01T00:00', '')])
    add('unsynced-yearly', timed(N, '2026-08-20T09:00'), rule('YEARLY', dayInMonth=1, month=5), [('2026-01-01T00:00', '2030-06-01T00:00', '')])
    # NONE.
    add('none', timed(B, '2026-03-29T02:30', 90), rule('NONE'), [('2026-03-29T00:00', '2026-03-30T00:00', ''), ('2026-03-30T00:00', '2026-03-31T00:00', 'outside')])
    return cases


def random_cases(rng, n):
    out = []
    for i in range(n):
        zone = rng.choice(ZONES)
        typ = rng.choice(['DAILY', 'WEEKLY', 'WEEKLY', 'MONTHLY', 'MONTHLY', 'YEARLY'])
        interval = 1 if typ == 'YEARLY' else rng.choice([1, 1, 1, 2, 2, 3, 4])
        r = {'type': typ, 'interval': interval}
        if typ == 'WEEKLY':
            k = rng.choice([1, 1, 2, 3, 5, 7])
            r['days'] = sorted(rng.sample(WEEKDAYS, k), key=WEEKDAYS.index)
        if typ in ('MONTHLY', 'YEARLY'):
            if rng.random() < 0.5:
                r['dayInMonth'] = rng.choice([1, 2, 5, 10, 15, 28, 29, 30, 31, 31])
            else:
                k = rng.choice([1, 1, 1, 2, 5])
                r['days'] = sorted(rng.sample(WEEKDAYS, k), key=WEEKDAYS.index)
                r['dayInMonth'] = rng.choice([1, 2, 3, 4, 5, 5])
        if typ == 'YEARLY':
            r['month'] = rng.randint(1, 12)
        full = rng.random() < 0.25
        anchor = date(1995, 1, 1) + timedelta(days=rng.randint(0, 40 * 365))
        if full:
            series = fullday(zone, anchor.isoformat(), rng.choice([1, 1, 1, 2, 3]))
        else:
            hh = rng.choice([0, 1, 2, 2, 3, 7, 9, 12, 17, 23])
            mm = rng.choice([0, 15, 30, 30, 45])
            series = timed(zone, f'{anchor.isoformat()}T{hh:02d}:{mm:02d}', rng.choice([15, 30, 60, 60, 90, 180, 24 * 60 + 30]))
        case = {'id': f'random-{i:03d}', 'series': series, 'rule': r}
        synced = rng.random() < 0.9
        if synced:
            # Start on the rule's first date on or after the anchor (the grid re-anchors there).
            first = brute_dates({'series': series, 'rule': {**r, 'occurrences': 1}}, anchor + timedelta(days=3 * 366 * interval))
            if not first:
                continue
            s = first[0].isoformat()
            series['start'] = s if full else s + series['start'][10:]
        limit = rng.random()
        if limit < 0.2:
            r['occurrences'] = rng.randint(1, 60)
        elif limit < 0.4:
            r['until'] = (date.fromisoformat(series['start'][:10]) + timedelta(days=rng.randint(0, 1500))).isoformat()
        out.append(case)
    return out


def windows_for(rng, case):
    s = case['series']
    zone = s['timezone']
    typ = case['rule']['type']
    interval = case['rule'].get('interval', 1)
    span = {'DAILY': 20 * interval, 'WEEKLY': 56 * interval, 'MONTHLY': 400 * interval, 'YEARLY': 12 * 366}[typ]
    start = datetime.fromisoformat(s['start'][:10])
    res = [(instant(start - timedelta(days=1), zone), instant(start + timedelta(days=span), zone), 'start')]
    later = start + timedelta(days=rng.randint(5 * 365, 35 * 365))
    res.append((instant(later, zone), instant(later + timedelta(days=span), zone), 'skip'))
    if zone != 'UTC' and typ in ('DAILY', 'WEEKLY'):
        year = rng.randint(start.year, start.year + 10)
        trans = dst_transitions(zone, year)
        if trans:
            t = datetime.combine(rng.choice(trans), time())
            res.append((instant(t - timedelta(days=2 + 7 * (interval - 1)), zone), instant(t + timedelta(days=3 + 7 * (interval - 1)), zone), 'dst'))
    # A window that starts mid-day (not on a midnight).
    mid = start + timedelta(days=rng.randint(0, 3 * 365), hours=rng.randint(0, 23), minutes=rng.choice([0, 29, 31]))
    res.append((instant(mid, zone), instant(mid + timedelta(days=rng.choice([1, 3, 10, 40])), zone), 'mid'))
    return res


# ------------------------------------------------------------------------------------------
# dayInMonth with days (OX 213), 1..31: the nth selected day of the month, the last when the
# month has fewer. Own random streams, so that the cases above stay as they were.

DIM_ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'America/Sao_Paulo', 'Pacific/Auckland', 'Asia/Kolkata', 'UTC']
# Per zone, wall times that fall into a spring-forward gap or a fall-back overlap on its
# transition days (Sao Paulo changed at midnight until 2019); Kolkata (+05:30) has none.
DST_TIMES = {
    'Europe/Berlin': ['02:30'],
    'America/New_York': ['02:30', '01:30'],
    'Australia/Sydney': ['02:30'],
    'America/Sao_Paulo': ['00:00', '00:30', '23:30'],
    'Pacific/Auckland': ['02:30'],
    'Asia/Kolkata': ['00:15', '05:30'],
    'UTC': ['00:00'],
}
MO_FR = WEEKDAYS[1:6]
SHAPES = [
    *[[d] for d in WEEKDAYS],  # one weekday
    MO_FR,  # weekdays
    ['SUNDAY', 'SATURDAY'],  # the weekend
    WEEKDAYS,  # all seven, listed
    WEEKDAYS[1:5],  # Monday to Thursday
    ['TUESDAY', 'THURSDAY'],
    ['MONDAY', 'WEDNESDAY', 'FRIDAY'],
    WEEKDAYS[1:],  # all but Sunday
    WEEKDAYS[:6],  # all but Saturday
    ['FRIDAY', 'SATURDAY'],
    ['SUNDAY', 'MONDAY'],
]

# Transition days with a wall time in the gap or the overlap; some fall on a month's first or
# last day. Checked against zoneinfo before use.
TRANSITIONS = [
    ('Europe/Berlin', '2026-03-29T02:30', 'gap'),
    ('Europe/Berlin', '2026-10-25T02:30', 'overlap'),
    ('Europe/Berlin', '2024-03-31T02:30', 'gap'),  # the month's last day
    ('Europe/Berlin', '2027-10-31T02:30', 'overlap'),  # the month's last day
    ('America/New_York', '2026-03-08T02:30', 'gap'),
    ('America/New_York', '2026-11-01T01:30', 'overlap'),  # the month's first day
    ('Australia/Sydney', '2026-10-04T02:30', 'gap'),
    ('Australia/Sydney', '2026-04-05T02:30', 'overlap'),
    ('Pacific/Auckland', '2026-09-27T02:30', 'gap'),
    ('Pacific/Auckland', '2026-04-05T02:30', 'overlap'),
    ('America/Sao_Paulo', '2018-11-04T00:30', 'gap'),
    ('America/Sao_Paulo', '2017-10-15T00:00', 'gap'),
    ('America/Sao_Paulo', '2019-02-16T23:30', 'overlap'),
    ('America/Sao_Paulo', '2018-02-17T23:30', 'overlap'),
]


def transition_kind(zone, wall):
    """'gap' / 'overlap' / None for a local wall time (fold=0 minus fold=1: + in a gap, - in an overlap)."""
    naive = datetime.fromisoformat(wall)
    diff = naive.replace(tzinfo=ZoneInfo(zone), fold=0).timestamp() - naive.replace(tzinfo=ZoneInfo(zone), fold=1).timestamp()
    return 'gap' if diff > 0 else 'overlap' if diff < 0 else None


def selected_in_month(days, y, m):
    d = date(y, m, 1)
    out = []
    while d.month == m:
        if WEEKDAYS[ox_weekday(d)] in days:
            out.append(d)
        d += timedelta(days=1)
    return out


def ordered(days):
    return sorted(set(days), key=WEEKDAYS.index)


def n_candidates(rng, k):
    """dayInMonth values for k selected weekdays: a month has 4k to 4k + min(k, 3) of them, so
    around 4k the nth exists in some months and is clamped to the last in others."""
    around = [4 * k - 1, 4 * k, 4 * k + 1, 4 * k + 2, 4 * k + 3, 4 * k + 4]
    values = {1, 2, k + 1, 31, rng.randint(1, 31), *around}
    return sorted(v for v in values if 1 <= v <= 31)


def limit_rule(rng, r, start):
    """None, occurrences, or until (near or decades ahead: the skip-ahead path of until)."""
    x = rng.random()
    if x < 0.2:
        r['occurrences'] = rng.choice([1, 2, rng.randint(3, 40), rng.randint(40, 200)])
    elif x < 0.3:
        r['until'] = (start + timedelta(days=rng.randint(0, 1200))).isoformat()
    elif x < 0.4:
        r['until'] = (start + timedelta(days=rng.randint(20 * 365, 40 * 365))).isoformat()


def month_window(zone, y, m, months_before, months_after):
    """Local midnight of the first of (y, m) - months_before to the first of (y, m) + months_after."""
    def first(offset):
        index = y * 12 + m - 1 + offset
        return datetime(index // 12, index % 12 + 1, 1)
    return instant(first(-months_before), zone), instant(first(months_after), zone)


def day_in_month_shape_cases(rng):
    """Every shape of day set with dayInMonth around its thresholds (and 1, 2, 31, random), as
    MONTHLY (interval 1..3) or YEARLY, in the zones above, timed (often at a DST wall time of
    the zone) or full-day, synced to the rule or not, with and without occurrences / until."""
    out = []
    for shape_index, shape in enumerate(SHAPES + [ordered(rng.sample(WEEKDAYS, rng.randint(2, 6))) for _ in range(4)]):
        for n in n_candidates(rng, len(shape)):
            zone = rng.choice(DIM_ZONES)
            typ = rng.choice(['MONTHLY', 'MONTHLY', 'YEARLY'])
            r = {'type': typ, 'interval': rng.choice([1, 1, 2, 3]) if typ == 'MONTHLY' else 1, 'days': list(shape), 'dayInMonth': n}
            if typ == 'YEARLY':
                r['month'] = rng.randint(1, 12)
            anchor = date(1990, 1, 1) + timedelta(days=rng.randint(0, 45 * 365))
            if rng.random() < 0.2:
                series = fullday(zone, anchor.isoformat(), rng.choice([1, 1, 2, 3]))
            else:
                wall = rng.choice(DST_TIMES[zone]) if rng.random() < 0.4 else rng.choice(['09:00', '12:00', '17:45', '23:59'])
                series = timed(zone, f'{anchor.isoformat()}T{wall}', rng.choice([30, 60, 90, 24 * 60 + 30]))
            if rng.random() < 0.9:
                first = brute_dates({'series': series, 'rule': {**r, 'occurrences': 1}}, anchor + timedelta(days=3 * 366 * r['interval']))
                s = first[0].isoformat()
                series['start'] = s if series['fullTime'] else s + series['start'][10:]
            limit_rule(rng, r, date.fromisoformat(series['start'][:10]))
            out.append({'id': f'dim-{shape_index:02d}-{n:02d}', 'series': series, 'rule': r})
    return out


def zone_start_months(case, years):
    """The series' zone, its start date, and the months a window takes for 14 MONTHLY periods
    or `years` YEARLY ones."""
    r = case['rule']
    months = 14 * r['interval'] if r['type'] == 'MONTHLY' else 12 * years
    return case['series']['timezone'], date.fromisoformat(case['series']['start'][:10]), months


def day_in_month_windows(rng, case):
    zone, start, months = zone_start_months(case, 10)
    res = [(*month_window(zone, start.year, start.month, 0, months), 'start')]
    later = start.year + rng.randint(20, 60)
    res.append((*month_window(zone, later, rng.randint(1, 12), 0, months), 'skip'))
    # A far transition of the zone, a month either side (the occurrence may be on that day).
    trans = dst_transitions(zone, later + 1) if zone not in ('UTC', 'Asia/Kolkata') else []
    if trans:
        t = rng.choice(trans)
        res.append((*month_window(zone, t.year, t.month, 1, 2), 'dst'))
    mid = datetime.combine(start, time()) + timedelta(days=rng.randint(0, 5 * 365), hours=rng.randint(0, 23), minutes=rng.choice([0, 29, 31]))
    res.append((instant(mid, zone), instant(mid + timedelta(days=rng.choice([1, 10, 40])), zone), 'mid'))
    return res


def day_in_month_transition_cases(rng):
    """Series that start at a wall time inside a gap or an overlap on a transition day, with rules
    that pick that day: each day set holding its weekday, dayInMonth = its index among the
    selected days, or (when it is the last of them) a bigger number, 31 included. Sao Paulo's
    midnight gaps also as full-day series (their first local midnight does not exist)."""
    out = []
    for zone, wall, kind in TRANSITIONS:
        got = transition_kind(zone, wall)
        assert got == kind, (zone, wall, got, kind)
        d = date.fromisoformat(wall[:10])
        weekday = WEEKDAYS[ox_weekday(d)]
        other = WEEKDAYS[(ox_weekday(d) + 3) % 7]
        shapes = [[weekday], WEEKDAYS, ['SUNDAY', 'SATURDAY'] if weekday in ('SUNDAY', 'SATURDAY') else MO_FR, ordered([weekday, other])]
        shapes.append(ordered([weekday, *rng.sample(WEEKDAYS, rng.randint(1, 5))]))
        for shape_index, shape in enumerate(shapes):
            selected = selected_in_month(shape, d.year, d.month)
            ns = [selected.index(d) + 1]
            if d == selected[-1]:
                ns += sorted({rng.randint(ns[0], 31), 31} - {ns[0]})
            for n in ns:
                typ = rng.choice(['MONTHLY', 'YEARLY'])
                r = {'type': typ, 'interval': rng.choice([1, 1, 2, 3]) if typ == 'MONTHLY' else 1, 'days': list(shape), 'dayInMonth': n}
                if typ == 'YEARLY':
                    r['month'] = d.month
                limit_rule(rng, r, d)
                series = [timed(zone, wall, rng.choice([30, 60, 150]))]
                if wall.endswith('T00:00') or wall.endswith('T00:30'):
                    series.append(fullday(zone, wall[:10], rng.choice([1, 2])))
                for s in series:
                    kind_id = 'fullday' if s['fullTime'] else kind
                    out.append({'id': f'dim-dst-{zone.split("/")[-1]}-{wall}-{kind_id}-{shape_index}-{n:02d}', 'series': s, 'rule': r})
    return out


def day_in_month_transition_windows(rng, case):
    zone, d, months = zone_start_months(case, 8)
    res = [(instant(datetime.combine(d, time()) - timedelta(days=1), zone), month_window(zone, d.year, d.month, 0, months)[1], 'start')]
    # The same month decades later: by then the zone's rules may differ (Sao Paulo has no DST
    # since 2019), the windows check what the rule and the zone give there.
    res.append((*month_window(zone, d.year + rng.randint(15, 40), d.month, 1, 2), 'skip'))
    return res


def reference_cases():
    """The wording of OX 213 as named cases, with windows in local time."""
    N, B, S, A, K, P = 'America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Pacific/Auckland', 'Asia/Kolkata', 'America/Sao_Paulo'
    cases = []

    def add(id_, series, r, windows, note=''):
        cases.append(({'id': id_, 'series': series, 'rule': r, 'note': note}, windows))

    add('ox213-23rd-weekday', timed(N, '2026-01-30T09:00'), rule('MONTHLY', days=MO_FR, dayInMonth=23), [('2026-01-01T00:00', '2027-03-01T00:00', ''), ('2061-01-01T00:00', '2062-03-01T00:00', 'skip')], 'MONDAY..FRIDAY, 23: the 23rd weekday or the last (a month has 20..23)')
    add('ox213-22nd-weekday', timed(K, '2026-01-30T00:15'), rule('MONTHLY', days=MO_FR, dayInMonth=22), [('2026-01-01T00:00', '2027-03-01T00:00', '')], '22nd weekday where there are 22 or 23, else the last')
    add('ox213-21st-weekday-feb', fullday('UTC', '2024-02-29'), rule('YEARLY', days=MO_FR, dayInMonth=21, month=2), [('2024-01-01T00:00', '2034-01-01T00:00', '')], 'February: 21 weekdays in 2024 (leap, 29th a Thursday), else 20')
    add('ox213-9th-saturday', timed(S, '2026-01-31T10:00'), rule('MONTHLY', days=['SATURDAY'], dayInMonth=9), [('2026-01-01T00:00', '2027-03-01T00:00', '')], 'SATURDAY, 9: the last Saturday')
    add('ox213-9th-saturday-count', timed(A, '2026-01-31T02:30'), rule('MONTHLY', interval=3, days=['SATURDAY'], dayInMonth=9, occurrences=30), [('2026-01-01T00:00', '2034-01-01T00:00', '')])
    add('ox213-all-seven-31', timed(A, '2026-01-31T18:00'), rule('MONTHLY', days=WEEKDAYS, dayInMonth=31), [('2026-01-01T00:00', '2027-03-01T00:00', ''), ('2028-01-01T00:00', '2028-04-01T00:00', 'leap')], 'all seven days, 31: the last day of the month')
    add('ox213-all-seven-29-feb', fullday(B, '2024-02-29'), rule('YEARLY', days=WEEKDAYS, dayInMonth=29, month=2), [('2024-01-01T00:00', '2033-01-01T00:00', '')])
    add('ox213-5th-thursday-feb', timed(P, '2024-02-29T23:30'), rule('YEARLY', days=['THURSDAY'], dayInMonth=5, month=2), [('2024-01-01T00:00', '2034-01-01T00:00', '')], 'February 2024 has five Thursdays, 2025-2027 four')
    add('ox213-6th-weekend-day-until', timed(B, '2026-01-17T11:00'), rule('MONTHLY', days=['SUNDAY', 'SATURDAY'], dayInMonth=6, until='2027-06-30'), [('2026-01-01T00:00', '2027-08-01T00:00', '')])
    add('ox213-last-sunday-berlin-0230', timed(B, '2026-01-25T02:30'), rule('MONTHLY', days=['SUNDAY'], dayInMonth=31), [('2026-01-01T00:00', '2027-01-01T00:00', ''), ('2051-02-01T00:00', '2051-12-01T00:00', 'skip')], 'the last Sunday: in the gap in March, in the overlap in October')
    add('ox213-last-weekday-until-far', fullday(N, '1999-12-31'), rule('MONTHLY', days=MO_FR, dayInMonth=31, until='2041-03-29'), [('2041-01-01T00:00', '2041-06-01T00:00', '')])
    return cases


def main():
    check_fold_semantics()
    rng = random.Random(20260529)
    vectors = []
    for case, windows in hand_picked():
        zone = case['series']['timezone']
        for a, b, note in windows:
            vectors.append(make_vector(case, local_ts(zone, a), local_ts(zone, b), note))
    for case in random_cases(rng, 110):
        for a, b, note in windows_for(rng, case):
            vectors.append(make_vector(case, a, b, note))
    for case, windows in reference_cases():
        zone = case['series']['timezone']
        for a, b, note in windows:
            vectors.append(make_vector(case, local_ts(zone, a), local_ts(zone, b), note))
    rng = random.Random(213)
    for case in day_in_month_shape_cases(rng):
        for a, b, note in day_in_month_windows(rng, case):
            vectors.append(make_vector(case, a, b, note))
    for case in day_in_month_transition_cases(rng):
        for a, b, note in day_in_month_transition_windows(rng, case):
            vectors.append(make_vector(case, a, b, note))
    # One vector per line: readable diffs, a modest file.
    out = sys.stdout
    out.write('{"generator": "scripts/recurrence-vectors.py", "count": %d, "vectors": [\n' % len(vectors))
    out.write(',\n'.join(json.dumps(v, separators=(',', ':')) for v in vectors))
    out.write('\n]}\n')
    print(f'{len(vectors)} vectors, {sum(len(v["expected"]) for v in vectors)} occurrences', file=sys.stderr)


if __name__ == '__main__':
    main()
