"""Fixes the gateway applies to later requests (knowledge-base entries, prompt instructions): what they share."""
