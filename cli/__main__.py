"""``python -m cli`` is the ``iroqa`` command."""

import sys

from cli.main import main

sys.exit(main())
