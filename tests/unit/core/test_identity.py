"""Customer identity verification and the page's attributes (bot.core.identity)."""

import hashlib
import hmac

import pytest

from bot.core.identity import (
    MAX_ATTRIBUTE_VALUE_CHARS,
    MAX_ATTRIBUTES,
    Customer,
    IdentityRefused,
    RefusalReason,
    customer_attributes,
    identity_signature,
    verify_identity,
)

SECRET = "shop-secret"


def signed(user: dict[str, object], secret: str = SECRET) -> dict[str, object]:
    return {"user": user, "signature": identity_signature(secret, str(user["id"]))}


def test_the_signature_is_the_hex_hmac_sha256_a_shop_computes_with_any_library() -> None:
    expected = hmac.new(b"shop-secret", b"customer-42", hashlib.sha256).hexdigest()
    assert identity_signature(SECRET, "customer-42") == expected


def test_a_signed_identity_is_the_customer() -> None:
    claim = signed({"id": "customer-42", "name": " Sara  Karimi ", "email": "sara@example.com"})
    assert verify_identity(SECRET, claim) == Customer("customer-42", "Sara  Karimi", "sara@example.com")
    # Shops' ids are often numbers: the signature is of their decimal text.
    assert verify_identity(SECRET, signed({"id": 42})).id == "42"
    # The signature may come in capitals.
    claim["signature"] = str(claim["signature"]).upper()
    assert verify_identity(SECRET, claim).id == "customer-42"


@pytest.mark.parametrize(
    ("secret", "claim", "reason"),
    [
        ("", signed({"id": "42"}), RefusalReason.NOT_CONFIGURED),
        (SECRET, {"user": {"id": "42"}}, RefusalReason.BAD_SIGNATURE),
        (SECRET, {"user": {"id": "42"}, "signature": ""}, RefusalReason.BAD_SIGNATURE),
        (SECRET, signed({"id": "42"}, secret="another-shop"), RefusalReason.BAD_SIGNATURE),
        (SECRET, {"user": {"id": "43"}, "signature": identity_signature(SECRET, "42")}, RefusalReason.BAD_SIGNATURE),
        (SECRET, {"user": {"id": "42"}, "signature": ["x"]}, RefusalReason.BAD_SIGNATURE),
        (SECRET, {"user": {"id": ""}, "signature": "x"}, RefusalReason.MALFORMED),
        (SECRET, {"user": {"id": "x" * 129}, "signature": "x"}, RefusalReason.MALFORMED),
        (SECRET, {"user": {"id": True}, "signature": "x"}, RefusalReason.MALFORMED),
        (SECRET, {"user": "42", "signature": "x"}, RefusalReason.MALFORMED),
        (SECRET, "42", RefusalReason.MALFORMED),
        (SECRET, None, RefusalReason.MALFORMED),
    ],
)
def test_anything_not_signed_with_the_shop_secret_is_refused(secret: str, claim: object, reason: RefusalReason) -> None:
    with pytest.raises(IdentityRefused) as refused:
        verify_identity(secret, claim)
    assert refused.value.reason is reason


def test_name_and_email_are_cleaned_and_a_bad_email_is_left_out() -> None:
    claim = signed({"id": "7", "name": "<b>Sam</b>\u202e" + "x" * 200, "email": "not an email"})
    customer = verify_identity(SECRET, claim)
    assert customer.name.startswith("<b>Sam</b>x") and len(customer.name) == 100  # text, cut; shown as text
    assert customer.email == ""


def test_attributes_are_the_pages_own_plain_values_bounded() -> None:
    data = {
        "language": "fa",
        "page": "https://shop.example/",
        "client_message_id": "c1",
        "plan": " gold ",
        "orders": 3,
        "vip": True,
        "total": 19.5,
        "nan": float("nan"),
        "cart": {"items": 2},
        "tags": ["a"],
        "note": "x" * 500,
        "": "empty key",
    }
    assert customer_attributes(data) == {
        "plan": "gold",
        "orders": 3,
        "vip": True,
        "total": 19.5,
        "note": "x" * MAX_ATTRIBUTE_VALUE_CHARS,
    }
    many = {f"field{i}": i for i in range(100)}
    assert len(customer_attributes(many)) == MAX_ATTRIBUTES
