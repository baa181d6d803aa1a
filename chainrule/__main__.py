"""`python -m chainrule ...` runs the same command line as the console script `chainrule`."""
import sys

from chainrule.cli import main

sys.exit(main())
