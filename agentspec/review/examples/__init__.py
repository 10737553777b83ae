"""The VALID and INVALID code examples of the larger rules, one module per rule, kept apart to keep rules short."""
