"""The library's entry points: `run`, `check` and `report` do what `agentspec run`, `check` and `report` do.

They are exported from `agentspec` itself (`agentspec.run(...)`). The command line is argument parsing and
printing over them; a setting the caller leaves out comes from the project config, the environment or the
default, decided in one place (`agentspec.api.options`, `agentspec.api.project`).

- `evaluate`: `run`, its observer and result.
- `health`: `check`.
- `reporting`: `report`, and selecting a results store's attempts.
- `options`, `project`: precedence; `cells`: a run's cells checked, their agents, their endpoints' preflight.
"""
