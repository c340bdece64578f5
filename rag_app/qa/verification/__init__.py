"""Answers checked sentence by sentence against the passages they were given (pure functions)."""
