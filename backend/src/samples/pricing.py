"""Prices for the sample shop."""


def apply_discount(price, percent):
    """Return `price` reduced by `percent` per cent, rounded to cents."""
    return price - percent
