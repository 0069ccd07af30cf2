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


CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_comment(raw: str) -> str:
    """A citizen's comment as stored: scrubbed, control characters out, blank lines squeezed.

    Kept as typed otherwise (case, markup characters): it is plain text, shown escaped.
    """
    text = CONTROL_RE.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [" ".join(line.split()) for line in scrub(text).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
