"""Feedback on interactions: who may give it, what it must contain, and how it is kept."""
