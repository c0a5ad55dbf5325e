"""What a user writes: the scenario schema, safe YAML, validation messages, region packs."""
