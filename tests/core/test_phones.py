import pytest

from core.errors import InvalidPhoneError
from core.phones import is_valid_phone, normalize_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("987654321", "+51987654321"),
        ("987 654 321", "+51987654321"),
        ("+51 987-654-321", "+51987654321"),
        ("0051987654321", "+51987654321"),
        ("whatsapp:+51987654321", "+51987654321"),
        ("51987654321", "+51987654321"),  # Meta's wa_id
        ("+56 9 8765 4321", "+56987654321"),  # Chile
        ("+52 55 1234 5678", "+525512345678"),  # Mexico City
    ],
)
def test_normalize_phone_gives_e164(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "abc", "12", "+51 12", "9876543210123456789"])
def test_invalid_phones_raise_a_clear_error(raw):
    with pytest.raises(InvalidPhoneError) as info:
        normalize_phone(raw)
    assert info.value.code == "invalid_phone"
    assert not is_valid_phone(raw)


def test_region_can_be_given(settings):
    assert normalize_phone("9 8765 4321", region="CL") == "+56987654321"
