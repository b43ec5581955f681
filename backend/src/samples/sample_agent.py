"""The bundled sample agent of mergeloom-worker: a stand-in for an AI provider.

It is run by the command provider like any real agent: the prompt arrives on stdin, the stage in
MERGELOOM_STAGE. On `implement` it fixes the discount bug but forgets rounding, so validation
fails; on `repair` it reads the failing output and adds the rounding.
"""

import os
import sys

FIRST_TRY = '''"""Prices for the sample shop."""


def apply_discount(price, percent):
    """Return `price` reduced by `percent` per cent, rounded to cents."""
    return price * (1 - percent / 100)
'''

FIXED = '''"""Prices for the sample shop."""


def apply_discount(price, percent):
    """Return `price` reduced by `percent` per cent, rounded to cents."""
    return round(price * (1 - percent / 100), 2)
'''


def main():
    stage = os.environ.get("MERGELOOM_STAGE", "implement")
    prompt = sys.stdin.read()
    print(f"sample agent: stage {stage}, prompt of {len(prompt)} characters", flush=True)
    if stage == "implement":
        print("reading pricing.py: apply_discount subtracts the percentage instead of applying it", flush=True)
        with open("pricing.py", "w", encoding="utf-8") as f:
            f.write(FIRST_TRY)
        print("wrote pricing.py: price * (1 - percent / 100)", flush=True)
    elif stage == "repair":
        output_file = os.environ.get("MERGELOOM_VALIDATION_OUTPUT_FILE")
        if output_file and os.path.exists(output_file):
            with open(output_file, encoding="utf-8") as f:
                failing = [line for line in f if "AssertionError" in line]
            for line in failing:
                print(f"validation said: {line.strip()}", flush=True)
        with open("pricing.py", "w", encoding="utf-8") as f:
            f.write(FIXED)
        print("wrote pricing.py: rounded to cents", flush=True)
    elif stage == "review":
        review_file = os.environ["MERGELOOM_REVIEW_FILE"]
        with open(review_file, "w", encoding="utf-8") as f:
            f.write('{"approved": true, "findings": []}')
        print("review: approved", flush=True)
    else:
        print(f"sample agent: nothing to do for {stage}", flush=True)


if __name__ == "__main__":
    main()
