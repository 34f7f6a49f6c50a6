import sys

from alphaforge.cli import main

sys.exit(main())
