"""``python -m common.kafka.wait --bootstrap HOST:PORT --timeout S``.

Used by scripts/services.sh: exits 0 once the broker answers metadata
requests, 1 when the timeout passes. Needs no Django settings.
"""

from __future__ import annotations

import argparse
import logging
import sys

from common.kafka.admin import wait_until_ready


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    ready = wait_until_ready(args.bootstrap.split(","), timeout=args.timeout)
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
