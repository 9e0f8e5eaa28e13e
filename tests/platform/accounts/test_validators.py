"""Mainland mobile numbers, resident ID numbers and unified social credit codes."""

import pytest
from stdnum.cn import ric, uscc

from accounts.validators import (
    mask_phone,
    normalize_credit_code,
    normalize_id_number,
    normalize_phone,
)


def with_ric_check_digit(body: str) -> str:
    """The 18-digit ID number for a 17-digit body (calc_check_digit wants all 18 places)."""
    return body + ric.calc_check_digit(body + "0")


def with_uscc_check_digit(body: str) -> str:
    return body + uscc.calc_check_digit(body)


def other_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] == "0" else "0")


ID_NUMBER = with_ric_check_digit("32010219900307123")
CREDIT_CODE = with_uscc_check_digit("12320000466001234")


# normalize_phone


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "+86 138 1234 5678",
        "0086-138-1234-5678",
        "86 13812345678",
        "+8613812345678",
        "(+86) 138-1234-5678",
    ],
)
def test_normalize_phone_reduces_a_mainland_mobile_number_to_its_11_digits(value):
    assert normalize_phone(value) == "13812345678"


@pytest.mark.parametrize(
    "value",
    [
        "138123456789",
        "1381234567",
        "12812345678",
        "1381234567a",
        "abcdefghijk",
        "+86 1381234567",
        "",
    ],
)
def test_normalize_phone_refuses_what_is_not_a_mainland_mobile_number(value):
    assert normalize_phone(value) is None


# normalize_id_number


def test_normalize_id_number_accepts_a_valid_18_digit_number():
    assert ID_NUMBER == "320102199003071239"
    assert normalize_id_number(ID_NUMBER) == ID_NUMBER


def test_normalize_id_number_upper_cases_a_lowercase_x_check_digit():
    # given
    number = with_ric_check_digit("32010219900307005")
    assert number == "32010219900307005X"

    # when / then
    assert normalize_id_number(number.lower()) == "32010219900307005X"
    assert normalize_id_number(number) == "32010219900307005X"


def test_normalize_id_number_refuses_a_wrong_check_digit():
    assert normalize_id_number(other_check_digit(ID_NUMBER)) is None


def test_normalize_id_number_refuses_an_impossible_birth_date():
    # the check digit is right, 1990-02-30 is not a date
    number = with_ric_check_digit("32010219900230123")

    assert normalize_id_number(number) is None


def test_normalize_id_number_refuses_a_15_digit_old_number():
    assert normalize_id_number("320102900307123") is None


@pytest.mark.parametrize("value", ["", "32010219900307123", ID_NUMBER + "1"])
def test_normalize_id_number_refuses_a_wrong_length(value):
    assert normalize_id_number(value) is None


# normalize_credit_code


def test_normalize_credit_code_accepts_a_valid_code():
    assert CREDIT_CODE == "123200004660012346"
    assert normalize_credit_code(CREDIT_CODE) == CREDIT_CODE


def test_normalize_credit_code_upper_cases_letters():
    code = with_uscc_check_digit("91310000MA1FL4B24")
    assert code == "91310000MA1FL4B24G"

    assert normalize_credit_code(code.lower()) == "91310000MA1FL4B24G"


def test_normalize_credit_code_refuses_a_wrong_check_digit():
    assert normalize_credit_code(other_check_digit(CREDIT_CODE)) is None


@pytest.mark.parametrize("value", [CREDIT_CODE[:-1], CREDIT_CODE + "0", ""])
def test_normalize_credit_code_refuses_a_wrong_length(value):
    assert normalize_credit_code(value) is None


# mask_phone


def test_mask_phone_keeps_the_first_three_and_last_four_digits():
    assert mask_phone("13812345678") == "138****5678"


def test_an_id_number_born_in_the_future_is_refused():
    body = "32010220900307123"  # born 2090-03-07
    assert normalize_id_number(body + ric.calc_check_digit(body + "0")) is None
