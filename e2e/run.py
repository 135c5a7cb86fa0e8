#!/usr/bin/env python3
"""End-to-end tests of the desktop app. Run from `make e2e`, or:

    CARGO_TARGET_DIR=... xvfb-run -a -s "-screen 0 1280x1024x24" python3 e2e/run.py [single|collab ...]

Screenshots go to target/e2e/*.png, driver and app logs to target/e2e/logs/.
"""

import sys

import test_collab
import test_single
from harness import run_tests

TESTS = {"single": test_single.test, "collab": test_collab.test}

if __name__ == "__main__":
    names = sys.argv[1:] or list(TESTS)
    unknown = [n for n in names if n not in TESTS]
    if unknown:
        raise SystemExit(f"unknown tests {unknown}; choose from {list(TESTS)}")
    sys.exit(1 if run_tests([(n, TESTS[n]) for n in names]) else 0)
