"""`python -m bench`: the reception benchmark, real visit logging against a bare sqlite3 insert."""

from __future__ import annotations

import sys

from bench.reception import main

if __name__ == "__main__":
    sys.exit(main())
