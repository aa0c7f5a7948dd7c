"""``python -m cable_edition`` runs the CLI."""

import sys

from cable_edition.cli import main

sys.exit(main())
