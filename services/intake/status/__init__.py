"""The citizen's view: the status projection kept from the lifecycle topics, and citizen notices."""
