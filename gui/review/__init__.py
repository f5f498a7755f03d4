"""The review dock: keyboard decisions, the borderline queue and the rule over core.review."""
