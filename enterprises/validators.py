"""GB 32100-2015 unified social credit code (统一社会信用代码): 18 characters from a 31-symbol alphabet
(digits and capital letters without I, O, Z, S, V); the 18th is a check character computed from the
first 17 with weights 3^i mod 31."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]


def credit_code_check_char(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d.") % {"n": len(code)},
            code="length",
        )
    for position, ch in enumerate(code, start=1):
        if ch not in ALPHABET:
            raise ValidationError(
                _("Character %(pos)d ('%(ch)s') is not allowed in a credit code (I, O, Z, S and V are never used).")
                % {"pos": position, "ch": ch},
                code="character",
            )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "Character 18 is the check character: it should be '%(expected)s', not '%(got)s'. "
                "One of the first 17 characters is probably mistyped."
            )
            % {"expected": expected, "got": code[17]},
            code="checksum",
        )
