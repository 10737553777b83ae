"""`python -m agentspec` runs the command line."""

from agentspec.cli.main import main

raise SystemExit(main())
