"""Personal data out of what citizens type, before anything is stored.

NIK and KK numbers (16 digits, also written in groups), phone numbers and e-mail addresses
become placeholders; what is left is what a search editor needs to see.
"""

from __future__ import annotations

import re

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 16 digits, possibly in groups separated by spaces, dots or dashes (6471 0101 0101 0001)
NIK_RE = re.compile(r"(?<!\d)(?:\d[ .-]?){15}\d(?!\d)")
# +62 / 62 / 0 followed by 7–13 more digits, with the usual separators (0812-3456-7890, (0541) 741234)
PHONE_RE = re.compile(r"(?<![\w])(?:\+62|62|\(?0)[ .-]?\d{1,4}\)?(?:[ .-]?\d){5,11}(?!\d)")
LONG_NUMBER_RE = re.compile(r"(?<!\d)\d{8,}(?!\d)")  # any other long number (account, phone abroad)

NIK = "[NIK]"
PHONE = "[TELEPON]"
EMAIL = "[EMAIL]"
NUMBER = "[NOMOR]"


def scrub(text: str) -> str:
    text = EMAIL_RE.sub(EMAIL, text)
    text = NIK_RE.sub(NIK, text)
    text = PHONE_RE.sub(PHONE, text)
    return LONG_NUMBER_RE.sub(NUMBER, text)


def clean_query(raw: str, limit: int) -> str:
    """A search query as stored: scrubbed, lower case, single spaces, at most `limit` characters."""
    text = " ".join(scrub(raw[: limit * 10]).lower().split())
    return text[:limit].rstrip()
