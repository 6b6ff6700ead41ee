from bot.core.customer_protocol import ProtocolErrorCode
from bot.core.customer_text import customer_text, load_strings, missing_keys
from bot.core.languages import SUPPORTED_LANGUAGES


def test_every_language_has_every_gateway_text() -> None:
    assert missing_keys() == {}


def test_every_refusal_has_a_text_in_every_language() -> None:
    for language in SUPPORTED_LANGUAGES:
        for code in ProtocolErrorCode:
            assert load_strings(language)[code.value].strip()


def test_placeholders_are_filled() -> None:
    for language in SUPPORTED_LANGUAGES:
        assert "2000" in customer_text(language, "message_too_long", max=2000)
