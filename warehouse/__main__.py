"""``python -m warehouse`` is the ``iroqa`` command."""

import sys

from warehouse.cli import main

sys.exit(main())
