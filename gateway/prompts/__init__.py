"""Prompt instructions: versioned system instructions per app (optionally per model), canaries, and their policy."""
