"""Workflows: the cycle, and one per province through its stages."""
