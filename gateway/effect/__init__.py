"""The effect of a fix: fixes linked to issues, the issue's topic, and the negative rate before/after and canary vs rest."""
