"""Test doubles for services that cannot run on this machine (only Ollama)."""
