"""``python -m matching.engine solve INSTANCE.json -o RESULT.json``."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
