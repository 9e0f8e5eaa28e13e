"""Chinese patent numbers: the accepted forms, the check character and the type digit."""

import pytest

from listings.patent_numbers import check_character, parse_patent_number


@pytest.mark.parametrize(
    "value",
    [
        "ZL202110123456.7",
        "ZL 202110123456.7",
        "zl202110123456.7",
        "CN202110123456.7",
        "202110123456.7",
        "2021101234567",
        " 2021 1012 3456 . 7 ",
        "ZL2021101234567",
    ],
)
def test_a_12_digit_number_is_accepted_in_every_usual_form(value):
    number = parse_patent_number(value)

    assert number is not None
    assert number.canonical == "ZL202110123456.7"
    assert number.digits == "202110123456"
    assert number.check == "7"


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("ZL98123456.9", "ZL98123456.9"),
        ("98123456.9", "ZL98123456.9"),
        ("cn 98100007.x", "ZL98100007.X"),
        ("ZL98100007X", "ZL98100007.X"),
        ("ZL 02212345.8", "ZL02212345.8"),
    ],
)
def test_an_8_digit_number_from_before_2003_is_accepted(value, canonical):
    number = parse_patent_number(value)

    assert number is not None
    assert number.canonical == canonical


def test_a_lowercase_x_check_character_is_accepted():
    number = parse_patent_number("zl202110123404.x")

    assert number is not None
    assert number.canonical == "ZL202110123404.X"


@pytest.mark.parametrize(
    "value",
    ["ZL202110123456.8", "ZL202110123456.X", "ZL98123456.1", "ZL98100007.0"],
)
def test_a_wrong_check_character_is_refused(value):
    assert parse_patent_number(value) is None


@pytest.mark.parametrize(
    "digits",
    ["202140123456", "202150123456", "202100123456", "98423456", "98723456"],
)
def test_an_unknown_type_digit_is_refused(digits):
    assert parse_patent_number(f"ZL{digits}.{check_character(digits)}") is None


@pytest.mark.parametrize(
    "digits",
    [
        "2021101234",  # 10 digits
        "20211012345",  # 11
        "2021101234567",  # 13
        "9812345",  # 7
        "981234567",  # 9
    ],
)
def test_a_number_of_the_wrong_length_is_refused(digits):
    assert parse_patent_number(f"ZL{digits}.{check_character(digits)}") is None


@pytest.mark.parametrize(
    "digits",
    [
        "198410000000",  # before Chinese patent law (1985)
        "84123456",
        "04123456",  # the 8-digit form ended in 2003
    ],
)
def test_a_number_from_an_impossible_year_is_refused(digits):
    assert parse_patent_number(f"ZL{digits}.{check_character(digits)}") is None


@pytest.mark.parametrize("value", ["", "   ", "ZL", "ZLABCDEFGHIJK.7", "ZL2021-10123456.7", None])
def test_something_that_is_not_a_number_is_refused(value):
    assert parse_patent_number(value) is None


@pytest.mark.parametrize(
    ("value", "patent_type"),
    [
        ("ZL202110123456.7", "INVENTION"),
        ("ZL202120123456.2", "UTILITY_MODEL"),
        ("ZL202230123456.2", "DESIGN"),
        ("ZL201980012345.X", "INVENTION"),  # PCT application entering the Chinese phase
        ("ZL202090012345.8", "UTILITY_MODEL"),  # PCT utility model
        ("ZL98123456.9", "INVENTION"),
        ("ZL02212345.8", "UTILITY_MODEL"),
    ],
)
def test_the_type_digit_gives_the_patent_type(value, patent_type):
    number = parse_patent_number(value)

    assert number is not None
    assert number.patent_type == patent_type


def test_the_check_character_is_the_weighted_digit_sum_modulo_11():
    # 2*2 + 0*3 + 2*4 + 1*5 + 1*6 + 0*7 + 1*8 + 2*9 + 3*2 + 4*3 + 5*4 + 6*5 = 117; 117 % 11 = 7
    assert check_character("202110123456") == "7"
    assert check_character("98100007") == "X"
