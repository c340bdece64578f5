"""The search index: what a vector item is, writing and searching it, its fingerprint, reconcile, rebuild."""
