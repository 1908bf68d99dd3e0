"""Workshop models (filled in by the workshop feature)."""
