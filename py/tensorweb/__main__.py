import sys

from tensorweb.cli import main

sys.exit(main())
