"""Tests for pricing.apply_discount (run: python3 -m unittest)."""

import unittest

from pricing import apply_discount


class ApplyDiscountTest(unittest.TestCase):
    def test_ten_percent_off(self):
        self.assertEqual(apply_discount(200, 10), 180)

    def test_no_discount(self):
        self.assertEqual(apply_discount(19.99, 0), 19.99)

    def test_rounds_to_cents(self):
        self.assertEqual(apply_discount(10, 33), 6.7)

    def test_full_discount(self):
        self.assertEqual(apply_discount(50, 100), 0)


if __name__ == "__main__":
    unittest.main()
