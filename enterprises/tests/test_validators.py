"""GB 32100-2015 credit codes: real-form codes pass, and a wrong one says which character is wrong."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from enterprises.validators import credit_code_check_char, validate_credit_code

# Codes as printed on public business licences (华为, 腾讯, 阿里巴巴(中国), 中国石油), and the standard's example.
REAL_CODES = [
    "914403001922038216",
    "9144030071526726XG",
    "91330100716105852F",
    "91110000710925462X",
    "91350100M000100Y43",
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_pass(code):
    validate_credit_code(code)
    assert credit_code_check_char(code[:17]) == code[17]


def test_lower_case_and_spaces_are_tolerated():
    validate_credit_code(" 9144030071526726xg ")


def test_a_mistyped_character_breaks_the_check_character():
    with pytest.raises(ValidationError) as caught:
        validate_credit_code("914403001922038217")
    assert caught.value.code == "checksum"
    assert "“6”，而不是“7”" in caught.value.messages[0]
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_credit_code("914403001922038217")
    assert "Character 18 is the check character: it should be '6', not '7'" in caught.value.messages[0]


@pytest.mark.parametrize(
    ("code", "position"), [("91440300192203821I", 18), ("9144O30071526726XG", 5), ("S144030071526726XG", 1)]
)
def test_a_letter_never_used_is_named_by_position(code, position):
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(code)
    assert caught.value.code == "character"
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_credit_code(code)
    assert f"Character {position} " in caught.value.messages[0]


@pytest.mark.parametrize("code", ["", "91440300192203821", "9144030019220382166"])
def test_wrong_length_is_refused(code):
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(code)
    assert caught.value.code == "length"
