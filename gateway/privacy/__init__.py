"""Privacy: redaction before storage, retention (pruning old traffic) and erasure on request."""
