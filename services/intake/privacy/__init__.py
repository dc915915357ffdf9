"""Personal data in intake's registry: erasure at the end of retention or on request."""
