"""Tests of the Avantage package: codec, client, simulator, CLI."""
