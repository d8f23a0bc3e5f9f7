"""Trigger adapters: one func.Blueprint per module, translating triggers to the core."""
