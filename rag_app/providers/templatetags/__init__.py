"""Template tags of the providers app."""
