"""The four tanggap services and their shared runtime."""
