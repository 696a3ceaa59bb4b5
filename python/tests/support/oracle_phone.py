"""How the oracle (oracle.py) reads a phone: E.164 as the phonenumbers library gives it.

Independent of the package (it shares no SQL and no metadata with it): the contract's rule
written with phonenumbers, the reference the package's rule is held to
(tests/integration/test_phone_agreement.py). A phone is made of digits, ASCII white space,
`.`, `(`, `)`, `/`, `-` and a leading `+`; a leading `00` (or `+00`) before a digit other
than 0 is the international prefix; phonenumbers parses it with the default country, and it
is a phone when `is_possible_number_with_reason` is exactly IS_POSSIBLE and the national
number is not only zeros.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberFormat
from phonenumbers.phonenumberutil import ValidationResult

DEFAULT_PHONE_COUNTRY = "US"  # the default of var idstitch_default_phone_country
PHONE_SHAPE = re.compile(r"^\+?[0-9 \t\n\v\f\r.()/-]+$")
FORMATTING = re.compile(r"[ \t\n\v\f\r.()/-]")


def phone_e164(value: str, country: str) -> str | None:
    """The E.164 form of a (trimmed) phone, or None when it is no phone."""
    if not PHONE_SHAPE.match(value):
        return None
    digits = re.sub(r"^\+?00(?=[1-9])", "+", FORMATTING.sub("", value))
    try:
        number = phonenumbers.parse(digits, country)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_possible_number_with_reason(number) != ValidationResult.IS_POSSIBLE:
        return None
    if set(phonenumbers.national_significant_number(number)) <= {"0"}:
        return None
    return str(phonenumbers.format_number(number, PhoneNumberFormat.E164))
