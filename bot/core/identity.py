"""Who the customer is, when the shop's own server vouches for it, and what the page says about them.

Identity verification, as the well-known support desks do it: the shop's
server, which knows its logged-in customer, computes
``HMAC-SHA256(IDENTITY_SECRET, customer id)`` (hex) and puts it in the page
next to the id; the widget sends both. Only the id is signed: the name and
email are shown to agents as the page gave them. An identity without a
signature, with a wrong one, or sent while no secret is set, is refused.

The page's other ``customData`` fields (besides ``language`` and ``page``) are
the customer's *attributes*: plain values (plan, order number, cart total)
the agent sees and Rasa gets as metadata. They are bounded here: a page cannot
fill Redis or the console through them.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

from bot.core.text import MAX_EMAIL_CHARS, clean_text, is_email_address

__all__ = [
    "Customer",
    "IdentityRefused",
    "RefusalReason",
    "customer_attributes",
    "identity_signature",
    "verify_identity",
]

MAX_CUSTOMER_ID_CHARS: Final = 128
MAX_NAME_CHARS: Final = 100
MAX_ATTRIBUTES: Final = 20
MAX_ATTRIBUTE_KEY_CHARS: Final = 40
MAX_ATTRIBUTE_VALUE_CHARS: Final = 200
#: ``customData`` fields the widget itself sends: not attributes.
RESERVED_FIELDS: Final = frozenset({"language", "page", "client_message_id"})


@dataclass(frozen=True)
class Customer:
    """A customer the shop's server vouched for: the ``id`` is verified; ``name`` and ``email`` are as sent."""

    id: str
    name: str = ""
    email: str = ""

    def to_public(self) -> dict[str, str]:
        return asdict(self)


class RefusalReason(enum.StrEnum):
    NOT_CONFIGURED = "not_configured"
    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"


class IdentityRefused(ValueError):
    def __init__(self, reason: RefusalReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


def identity_signature(secret: str, customer_id: str) -> str:
    """What the shop's server puts in the page: hex HMAC-SHA256 of the id with the shared secret."""
    return hmac.new(secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()


def _text(value: object, limit: int) -> str:
    return clean_text(value)[:limit] if isinstance(value, str) else ""


def verify_identity(secret: str, claim: object) -> Customer:
    """The customer of ``{user: {id, name?, email?}, signature}``; :class:`IdentityRefused` unless signed."""
    if not secret:
        raise IdentityRefused(RefusalReason.NOT_CONFIGURED)
    if not isinstance(claim, Mapping) or not isinstance(claim.get("user"), Mapping):
        raise IdentityRefused(RefusalReason.MALFORMED)
    user, signature = claim["user"], claim.get("signature")
    customer_id = user.get("id")
    if isinstance(customer_id, int) and not isinstance(customer_id, bool):
        customer_id = str(customer_id)  # shops' ids are often numbers; the signature is of the decimal text
    if not (isinstance(customer_id, str) and 0 < len(customer_id) <= MAX_CUSTOMER_ID_CHARS):
        raise IdentityRefused(RefusalReason.MALFORMED)
    if not (isinstance(signature, str) and len(signature) <= 128):
        raise IdentityRefused(RefusalReason.BAD_SIGNATURE)
    if not hmac.compare_digest(signature.strip().lower(), identity_signature(secret, customer_id)):
        raise IdentityRefused(RefusalReason.BAD_SIGNATURE)
    email = _text(user.get("email"), MAX_EMAIL_CHARS)
    return Customer(customer_id, _text(user.get("name"), MAX_NAME_CHARS), email if is_email_address(email) else "")


def customer_attributes(custom_data: Mapping[str, Any]) -> dict[str, str | int | float | bool]:
    """The page's own ``customData`` fields: plain values only, cut short, :data:`MAX_ATTRIBUTES` at most."""
    attributes: dict[str, str | int | float | bool] = {}
    for key, value in custom_data.items():
        if len(attributes) >= MAX_ATTRIBUTES:
            break
        name = clean_text(str(key))[:MAX_ATTRIBUTE_KEY_CHARS]
        if not name or name in RESERVED_FIELDS:
            continue
        if isinstance(value, str):
            text = clean_text(value)[:MAX_ATTRIBUTE_VALUE_CHARS]
            if text:
                attributes[name] = text
        elif isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
            attributes[name] = value
    return attributes
