"""The built-in reviewer rules, one per module; the module's name is the rule's id (see review/registry.py)."""
