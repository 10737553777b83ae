"""Running attempts: plan, workspace, grade, check, run."""
