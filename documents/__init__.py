"""Documents: upload, text extraction, chunking and indexing."""
