"""``python -m common.kafka.wait --bootstrap HOST:PORT --timeout S [--scram-user
U --scram-password P]`` (scripts/services.sh, no Django settings): exit 0 once
the broker answers metadata requests, 1 when the timeout passes."""

from __future__ import annotations

import argparse
import logging
import sys

from common.kafka.admin import wait_until_ready


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--scram-user", default="")
    parser.add_argument("--scram-password", default="")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    security = {}
    if args.scram_user:
        security = {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": args.scram_user,
            "sasl_plain_password": args.scram_password,
        }
    ready = wait_until_ready(args.bootstrap.split(","), timeout=args.timeout, security=security)
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
