"""Template tags of the notes app."""
