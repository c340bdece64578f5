"""Q&A: retrieve the user's passages, generate a cited answer, keep the record."""
