"""A local Azure Functions host for machines without Core Tools (never published)."""
