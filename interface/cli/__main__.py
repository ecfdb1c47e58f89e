"""``python -m setu_planning.interface.cli``: the ``setu-planning`` command."""

import sys

from . import main

sys.exit(main())
