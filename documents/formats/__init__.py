"""One small module per file format: each turns bytes into pages of text (see documents.extract)."""
