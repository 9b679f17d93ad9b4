"""Policy: one module per rule family; ``registry.ALL_RULES`` lists them all."""
