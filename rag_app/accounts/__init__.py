"""API tokens people manage: created, named, listed and revoked by their owner, stored hashed."""
