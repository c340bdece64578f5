"""Process health: the liveness and readiness probes, and the workers' heartbeats they read."""
