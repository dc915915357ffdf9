"""Who may call intake: adapter, agency and operator keys (stored hashed), and rate limits."""
