"""`python -m agentspec` runs the command line."""

from agentspec.cli import main

raise SystemExit(main())
