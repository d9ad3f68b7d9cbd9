"""Emulator of the CockroachDB Cloud API v1 and the Cluster API v2 (``python -m emulator``)."""

__version__ = "0.1.0"
