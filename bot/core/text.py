"""Text from outside, made safe to store and show: what every customer and agent text goes through.

- A lone UTF-16 surrogate (which cannot be encoded, so could not be stored)
  becomes U+FFFD.
- Control characters other than tab and newline are dropped; ``\\r\\n`` is ``\\n``.
- Bidirectional embeddings, overrides and isolates (U+202A–U+202E,
  U+2066–U+2069), which can make text read differently from what it says,
  are dropped. The marks Persian needs stay: the zero-width non-joiner and
  joiner (U+200C, U+200D) and the left/right-to-left marks (U+200E, U+200F).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["MAX_EMAIL_CHARS", "clean_text", "is_email_address"]

_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_DROPPED: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_EMAIL_CHARS: Final = 254


def clean_text(text: str) -> str:
    """``text`` without what cannot be stored or should not be shown, trimmed."""
    text = _SURROGATE.sub("\ufffd", text.replace("\r\n", "\n"))
    return _DROPPED.sub("", text).strip()


def is_email_address(text: str) -> bool:
    """Whether ``text`` looks like one email address (``name@host.tld``, no spaces, at most 254 characters)."""
    return len(text) <= MAX_EMAIL_CHARS and _EMAIL.fullmatch(text) is not None
