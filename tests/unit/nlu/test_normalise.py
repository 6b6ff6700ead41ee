from bot.nlu.normalise import normalise_armenian, normalise_persian, normalise_text


def test_arabic_letters_become_persian() -> None:
    assert normalise_persian("سفارشم كي مي‌رسد؟") == normalise_persian("سفارشم کی می‌رسد؟")
    assert "ي" not in normalise_persian("خيلي") and "ك" not in normalise_persian("كجا")


def test_zwnj_and_space_variants_fold_to_one_spelling() -> None:
    with_zwnj = normalise_persian("می‌خواهم سفارشم را لغو کنم")
    without = normalise_persian("میخواهم سفارشم را لغو کنم")
    with_space = normalise_persian("می خواهم سفارشم را لغو کنم")
    assert with_zwnj == without == with_space
    assert normalise_persian("کتاب‌ها") == normalise_persian("کتاب ها") == normalise_persian("کتابها")
    assert normalise_persian("نمی‌دانم") == normalise_persian("نمی دانم")


def test_persian_and_arabic_digits_become_ascii() -> None:
    assert normalise_persian("سفارش ۱۲۳۴") == "سفارش 1234"
    assert normalise_persian("سفارش ١٢٣٤") == "سفارش 1234"


def test_arabic_diacritics_and_tatweel_removed() -> None:
    assert normalise_persian("سـلام") == "سلام"
    assert normalise_persian("سَلام") == "سلام"


def test_armenian_in_word_marks_do_not_split_words() -> None:
    # ՞ (question), ՜ (exclamation), ՛ (emphasis) sit inside the word.
    assert normalise_armenian("Ինչպե՞ս") == "Ինչպես"
    assert normalise_armenian("Ե՞րբ կստանամ") == "Երբ կստանամ"
    assert normalise_armenian("Ա՜խ") == "Ախ"
    assert normalise_armenian("դու՛") == "դու"
    assert len(normalise_text("Ինչպե՞ս հետևել իմ ծանրոցին").split()) == 4


def test_armenian_full_stop_and_comma_separate_words() -> None:
    assert normalise_text("Շնորհակալություն։Ցտեսություն") == "Շնորհակալություն . Ցտեսություն"
    assert normalise_text("Բարև՝ ընկեր") == "Բարև , ընկեր"


def test_other_text_is_unchanged() -> None:
    assert normalise_text("Where is my parcel?") == "Where is my parcel?"
    assert normalise_text("nak tanya pasal refund") == "nak tanya pasal refund"


def test_whitespace_tokens_of_rasa_keep_armenian_words_whole() -> None:
    # Rasa's WhitespaceTokenizer replaces ՞ inside a word by a space; after
    # normalisation there is nothing left for it to split on.
    import re

    rasa_split = re.compile(r"(?<=[^0-9\s])[^\w._~:/?#\[\]()@!$&*+,;=-]+(?=[^0-9\s])")
    assert rasa_split.sub(" ", "Ինչպե՞ս").split() == ["Ինչպե", "ս"]
    assert rasa_split.sub(" ", normalise_text("Ինչպե՞ս")).split() == ["Ինչպես"]
