"""Template tags of the documents app."""
