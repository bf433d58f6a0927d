"""Publication times: intervals (a calendar month for `month`), the next due time after
downtime, and the dates people type (`as_of:2026-01-31`)."""

from __future__ import annotations

import calendar
from datetime import datetime, time, timedelta, timezone

EVERY = ("day", "week", "month")


def add_interval(when: datetime, every: str) -> datetime:
    if every == "day":
        return when + timedelta(days=1)
    if every == "week":
        return when + timedelta(weeks=1)
    if every == "month":  # the same day next month, or its last day (Jan 31 -> Feb 28)
        year, month = (when.year + 1, 1) if when.month == 12 else (when.year, when.month + 1)
        return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))
    raise ValueError(f"unknown interval {every!r}: use day, week or month")


def next_due(due: datetime, every: str, now: datetime) -> datetime:
    """The first due time after `now` on the schedule's grid: however long the bot was down,
    one publication catches up and the next one keeps the usual rhythm."""
    following = add_interval(due, every)
    while following <= now:
        following = add_interval(following, every)
    return following


def parse_moment(text: str) -> datetime:
    """A date (the whole day counts: at or before its end) or an ISO date and time, in UTC
    unless it says otherwise."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").date()
            return datetime.combine(day, time.max, tzinfo=timezone.utc)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"`{text}` is not a date: write it like 2026-01-31 (or 2026-01-31T18:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def when_text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
