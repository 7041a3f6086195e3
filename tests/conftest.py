"""Shared fixtures. Fixture modules are registered as plugins so every test package sees them."""

pytest_plugins = ["tests.simulator_fixtures"]
