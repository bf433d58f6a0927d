import sys

from arenabot.cli import main

sys.exit(main())
