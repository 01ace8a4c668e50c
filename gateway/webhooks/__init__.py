"""Signed webhook notices the gateway sends (held decisions, retrain triggers): signing and delivery, shared."""
