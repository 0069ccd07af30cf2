"""Content-hashed names for the portal's static files (the builder's theme assets, the search
package's scripts and index folder), and the pattern that tells them apart when serving.

A file whose name carries the hash of its bytes never changes under that name, so it may be
cached for a year. Kept below both users (site_builder imports search; both import catalogue).
"""

from __future__ import annotations

import hashlib

HASH_DIGITS = 12

# What serving may cache forever: a hashed script or stylesheet name, or anything inside a
# content-hashed folder of a build folder (`/_<name>/<hash>/…`; catalogue slugs never start with `_`).
HASHED_PATH_RE = rf"\.[0-9a-f]{{{HASH_DIGITS}}}\.(?:css|js|mjs)$|^/_[^/]+/[0-9a-f]{{{HASH_DIGITS}}}/"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:HASH_DIGITS]


def hashed_name(name: str, data: bytes) -> str:
    """'santer.css' → 'santer.<hash of data>.css'."""
    stem, _dot, ext = name.rpartition(".")
    return f"{stem}.{content_hash(data)}.{ext}"
