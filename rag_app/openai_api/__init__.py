"""An OpenAI-compatible API (/v1/models, /v1/chat/completions) answering from the user's own sources."""
