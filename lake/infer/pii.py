"""Likely personal data, by column name and by the values themselves, for the steward to confirm.

By name: e-mail, phone, person names, addresses, birth dates, national and tax ids, bank accounts,
card numbers, IP addresses. By value (most sampled values must match): e-mail addresses, phone
numbers written as such (a ``+`` or separators, 7-15 digits), IBANs (with a valid mod-97 check),
card numbers (Luhn) and IPv4 addresses. A name is free text, so names are found by column name only.
"""

from __future__ import annotations

import ipaddress
import re

_NAME_HINTS = (
    ("email", r"e_?mail"), ("phone", r"phone|mobile|cell|(^|_)tel(_|$)|fax"),
    ("person name", r"(first|last|middle|given|family|full|maiden|sur)_?name|^name_(first|last)"
                    r"|(customer|employee|person|contact|patient|user|owner|client)_name"),
    ("address", r"address|street|(^|_)addr(_|$)|(^|_)zip(_?code)?(_|$)|post_?code|postal"),
    ("birth date", r"birth|(^|_)dob(_|$)"),
    ("national id", r"ssn|social_security|national_id|passport|tax_id|(^|_)nin(o)?(_|$)|driver_?licen[cs]e"),
    ("bank account", r"iban|bank_?account|account_?number"),
    ("card number", r"card_?(number|no)|credit_?card|(^|_)pan(_|$)"),
    ("ip address", r"(^|_)ip(_?addr(ess)?)?(_|$)"),
)
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[\d\s().-]{7,22}$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
SHARE = 0.8  # of the sampled values that must match a value pattern


def _iban_ok(v: str) -> bool:
    s = v.replace(" ", "").upper()
    if not _IBAN.match(s):
        return False
    digits = "".join(str(int(ch, 36)) for ch in s[4:] + s[:4])
    return int(digits) % 97 == 1


def _phone_ok(v: str) -> bool:
    digits = sum(ch.isdigit() for ch in v)
    return bool(_PHONE.match(v)) and 7 <= digits <= 15 and (v.startswith("+") or any(ch in v for ch in " ()-."))


def _luhn_ok(v: str) -> bool:
    s = re.sub(r"[ -]", "", v)
    if not s.isdigit() or not 13 <= len(s) <= 19:
        return False
    total = sum(int(d) if i % 2 == 0 else sum(divmod(int(d) * 2, 10)) for i, d in enumerate(reversed(s)))
    return total % 10 == 0


def _ipv4_ok(v: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(v), ipaddress.IPv4Address)
    except ValueError:
        return False


_VALUE_CHECKS = (("email", _EMAIL.match), ("iban", _iban_ok), ("card number", _luhn_ok), ("phone", _phone_ok),
                 ("ip address", _ipv4_ok))


def likely_pii(name: str, values: list[str], physical: str = "string") -> str | None:
    """What personal data the column seems to hold ("email", "phone" ...), or None. Values are checked
    only in text columns: a date or an amount is not a phone number, however it is written."""
    key = re.sub(r"[^a-z0-9]+", "_", name.lower())
    for what, pattern in _NAME_HINTS:
        if re.search(pattern, key):
            return what
    if physical != "string":
        return None
    sample = [v.strip() for v in values[:2000] if v.strip()]
    if not sample:
        return None
    for what, check in _VALUE_CHECKS:
        if sum(bool(check(v)) for v in sample) >= SHARE * len(sample):
            return what
    return None
