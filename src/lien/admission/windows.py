"""Hours of the day, as typed by an operator ("17:00-08:30", "0h-8h30, 17h-24h"), stored as
[start minute, end minute) pairs and checked as a 1,440-bit mask (one bit a minute of the day).

A range whose end comes before its start runs past midnight: "17:00-08:30" is the evening and
the early morning.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MINUTES_A_DAY = 24 * 60
WHOLE_DAY = (1 << MINUTES_A_DAY) - 1
_TIME = r"(\d{1,2})(?:\s*[:hH]\s*(\d{2})?)?"
_RANGE = re.compile(rf"^\s*{_TIME}\s*[-–à]\s*{_TIME}\s*$")


def _minute(hours: str, minutes: str | None, *, end: bool) -> int:
    value = int(hours) * 60 + int(minutes or 0)
    if int(minutes or 0) >= 60 or value > MINUTES_A_DAY or (value == MINUTES_A_DAY and not end):
        raise ValueError
    return value


def parse_windows(text: str) -> list[list[int]]:
    """Ranges separated by commas or semicolons; raises a French ValidationError."""
    windows: list[list[int]] = []
    for part in re.split(r"[,;]", text):
        if not part.strip():
            continue
        match = _RANGE.match(part)
        try:
            if match is None:
                raise ValueError
            start = _minute(match[1], match[2], end=False)
            end = _minute(match[3], match[4], end=True)
        except ValueError:
            raise ValidationError(
                _(
                    "« %(part)s » n'est pas une plage horaire : écrivez par exemple "
                    "« 17:00-08:30 » ou « 00:00-08:30, 17:00-24:00 »."
                )
                % {"part": part.strip()},
                code="windows",
            ) from None
        if start == end % MINUTES_A_DAY:
            raise ValidationError(
                _("La plage « %(part)s » est vide : son début et sa fin sont à la même heure.")
                % {"part": part.strip()},
                code="windows",
            )
        if start < end:
            windows.append([start, end])
        else:  # past midnight
            windows += [[start, MINUTES_A_DAY], [0, end]] if end else [[start, MINUTES_A_DAY]]
    return windows


def mask_of(windows: list[list[int]]) -> int:
    """The allowed minutes; the whole day when there is no range."""
    if not windows:
        return WHOLE_DAY
    mask = 0
    for start, end in windows:
        mask |= ((1 << (end - start)) - 1) << start
    return mask


def _minute_of(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def allows(mask: int, local_moment: datetime) -> bool:
    return bool(mask >> _minute_of(local_moment) & 1)


def next_opening(mask: int, local_moment: datetime) -> datetime | None:
    """The start of the next allowed minute after `local_moment` (a local time); None when the
    mask allows nothing."""
    now = _minute_of(local_moment)
    for step in range(1, MINUTES_A_DAY + 1):
        if mask >> ((now + step) % MINUTES_A_DAY) & 1:
            return local_moment.replace(second=0, microsecond=0) + timedelta(minutes=step)
    return None


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def describe(mask: int) -> list[str]:
    """The allowed ranges, "17:00–08:30" when one runs past midnight."""
    ranges: list[list[int]] = []
    minute = 0
    while minute < MINUTES_A_DAY:
        if mask >> minute & 1:
            start = minute
            while minute < MINUTES_A_DAY and mask >> minute & 1:
                minute += 1
            ranges.append([start, minute])
        minute += 1
    if len(ranges) > 1 and ranges[0][0] == 0 and ranges[-1][1] == MINUTES_A_DAY:
        ranges[0][0] = ranges.pop()[0] - MINUTES_A_DAY
    return [f"{_clock(start % MINUTES_A_DAY)}–{_clock(end)}" for start, end in ranges]
