"""Run the command line: ``python -m autograd_lite``."""

import sys

from autograd_lite.cli import main

if __name__ == "__main__":
    sys.exit(main())
