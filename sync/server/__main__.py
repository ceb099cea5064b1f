"""`python -m sync.server` runs the `parvis-server` command line."""

import sys

from .cli import main

sys.exit(main())
