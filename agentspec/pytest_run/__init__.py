"""pytest as agentspec runs it: its arguments and environment, the grading plugin, and the result channel."""
