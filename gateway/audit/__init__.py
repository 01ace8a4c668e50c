"""The audit log: who decided or changed what, when, with before and after, in a hash chain."""
