"""``python -m matching.engine solve INSTANCE.json -o RESULT.json``."""

from __future__ import annotations

import os
import sys

from .cli import main, process_age

code = main(age=process_age())
sys.stdout.flush()
sys.stderr.flush()
# The result is written and flushed: skip the interpreter's teardown, which frees a national
# instance's million objects one by one (~0.5 s) and would count against --time-limit.
os._exit(code)
