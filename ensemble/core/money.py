"""Money: integer minor units with an ISO 4217 currency. No float ever touches an amount.

`money_parse("1234.50", "EUR")` gives 123450 (cents); `money_format(123450, "EUR")` gives
"EUR 1,234.50". Currencies with zero decimals (JPY, KRW, …) have no minor part; an amount
with more decimals than its currency allows is refused, never rounded.
"""

from decimal import Decimal, InvalidOperation

from .errors import EnsembleError

# Decimal places of the currencies Ensemble accepts (ISO 4217 minor units).
CURRENCIES: dict[str, int] = {
    "AUD": 2,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CNY": 2,
    "CZK": 2,
    "DKK": 2,
    "EGP": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "HUF": 2,
    "INR": 2,
    "ISK": 0,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "MXN": 2,
    "NOK": 2,
    "NZD": 2,
    "PLN": 2,
    "SEK": 2,
    "SGD": 2,
    "USD": 2,
    "ZAR": 2,
}
CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCIES)]
MAX_MINOR_UNITS = 10**15  # far above any budget, far below a 64-bit integer


def currency_clean(value: str | None, *, field: str = "currency") -> str:
    code = (value or "").strip().upper()
    if code not in CURRENCIES:
        known = ", ".join(sorted(CURRENCIES))
        raise EnsembleError(
            f"“{value}” is not a currency Ensemble accepts; use one of {known}.", field=field
        )
    return code


def money_parse(value: str | int | Decimal, currency: str, *, field: str = "amount") -> int:
    """An amount a person typed ("1234.50", "1,234.50", 1234) as minor units of `currency`."""
    code = currency_clean(currency)
    places = CURRENCIES[code]
    if isinstance(value, float):
        raise EnsembleError("Amounts must be written as text or whole numbers.", field=field)
    text = str(value).strip().replace(",", "").replace("_", "")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise EnsembleError(f"“{value}” is not an amount of money.", field=field) from exc
    if not amount.is_finite():
        raise EnsembleError(f"“{value}” is not an amount of money.", field=field)
    if amount < 0:
        raise EnsembleError("An amount cannot be negative.", field=field)
    # Bound the exponent before scaling: "1e999999999" would overflow the decimal context.
    if amount and amount.adjusted() > 30:
        raise EnsembleError("That amount is too large.", field=field)
    if amount and amount.adjusted() < -30:
        unit = "whole units" if places == 0 else f"at most {places} decimal places"
        raise EnsembleError(f"{code} amounts have {unit}: “{value}” has more.", field=field)
    minor = amount.scaleb(places)
    if minor != minor.to_integral_value():
        unit = "whole units" if places == 0 else f"at most {places} decimal places"
        raise EnsembleError(f"{code} amounts have {unit}: “{value}” has more.", field=field)
    if minor > MAX_MINOR_UNITS:
        raise EnsembleError("That amount is too large.", field=field)
    return int(minor)


def money_format(minor: int, currency: str) -> str:
    """“EUR 1,234.50”, “JPY 5,000”: for pages, statements and e-mails."""
    places = CURRENCIES.get(currency, 2)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**places)
    text = f"{whole:,}" + (f".{part:0{places}d}" if places else "")
    return f"{currency} {sign}{text}"


def money_input(minor: int, currency: str) -> str:
    """The amount as a form shows it for editing: "1234.50"."""
    places = CURRENCIES.get(currency, 2)
    whole, part = divmod(minor, 10**places)
    return f"{whole}.{part:0{places}d}" if places else str(whole)
