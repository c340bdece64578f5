"""The golden Q&A set: an invented corpus, its questions, and the script that makes both."""
