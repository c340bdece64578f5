"""The provider layer: the only code that talks to model runtimes and LLM servers."""
