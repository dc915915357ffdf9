"""Built-in channel adapters: each turns one vendor payload into normalized submissions."""
