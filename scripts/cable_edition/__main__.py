"""``python -m cable_edition`` runs the CLI."""

import sys

from cable_edition.cli import main

if __name__ == "__main__":   # not when a worker process imports it
    sys.exit(main())
