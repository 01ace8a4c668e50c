"""Bringing interactions recorded elsewhere into the store."""
