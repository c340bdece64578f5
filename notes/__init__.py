"""Notes: the user's own writing, indexed and cited like documents."""
