"""The citizen's private rating terminal (role `rating`, issue 15)."""
