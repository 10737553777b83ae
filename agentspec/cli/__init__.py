"""The `agentspec` command line."""
