"""Parents' hours, as typed by an operator."""

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError

from lien.admission.windows import WHOLE_DAY, allows, describe, mask_of, next_opening, parse_windows


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17:00-08:30", [[1020, 1440], [0, 510]]),
        ("00:00-08:30, 17:00-24:00", [[0, 510], [1020, 1440]]),
        ("0h-8h30; 17h-24h", [[0, 510], [1020, 1440]]),
        ("12:00 – 14:00", [[720, 840]]),
        ("18:00-00:00", [[1080, 1440]]),
        ("", []),
        ("  ,  ", []),
    ],
)
def test_hours_are_read_as_minutes_of_the_day(text, expected):
    assert parse_windows(text) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "avant 8:30",
            "« avant 8:30 » n'est pas une plage horaire : écrivez par exemple « 17:00-08:30 » "
            "ou « 00:00-08:30, 17:00-24:00 ».",
        ),
        (
            "25:00-08:00",
            "« 25:00-08:00 » n'est pas une plage horaire : écrivez par exemple « 17:00-08:30 » "
            "ou « 00:00-08:30, 17:00-24:00 ».",
        ),
        (
            "08:75-09:00",
            "« 08:75-09:00 » n'est pas une plage horaire : écrivez par exemple « 17:00-08:30 » "
            "ou « 00:00-08:30, 17:00-24:00 ».",
        ),
        (
            "08:00-08:00",
            "La plage « 08:00-08:00 » est vide : son début et sa fin sont à la même heure.",
        ),
    ],
)
def test_bad_hours_are_refused_in_french(text, error):
    with pytest.raises(ValidationError) as refused:
        parse_windows(text)
    assert refused.value.messages == [error]


def test_the_mask_allows_the_minutes_of_the_ranges_only():
    mask = mask_of(parse_windows("17:00-08:30"))
    at = lambda hour, minute: datetime(2027, 1, 11, hour, minute)  # noqa: E731
    assert [allows(mask, at(*t)) for t in [(8, 29), (8, 30), (16, 59), (17, 0), (23, 59)]] == [
        True,
        False,
        False,
        True,
        True,
    ]
    assert mask_of([]) == WHOLE_DAY


def test_the_next_opening_is_the_start_of_the_next_range():
    mask = mask_of(parse_windows("17:00-08:30"))
    assert next_opening(mask, datetime(2027, 1, 11, 10, 12, 40)) == datetime(2027, 1, 11, 17, 0)
    early = mask_of(parse_windows("06:00-07:00"))
    assert next_opening(early, datetime(2027, 1, 11, 10, 0)) == datetime(2027, 1, 12, 6, 0)


def test_ranges_are_described_as_typed_even_past_midnight():
    assert describe(mask_of(parse_windows("17:00-08:30"))) == ["17:00–08:30"]
    assert describe(mask_of(parse_windows("12:00-14:00, 18:00-20:00"))) == [
        "12:00–14:00",
        "18:00–20:00",
    ]
