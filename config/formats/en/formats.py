"""Shorter dates and times than Django's English defaults ("Dec. 6, 2026, 3:39 p.m."), so admin
lists fit at 1280 pixels: "6 Dec 2026 15:39". Used wherever a template shows a date unformatted."""

DATETIME_FORMAT = "j M Y H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
