"""The event contract of tanggap: envelope, lifecycle events, topic catalogue and codec."""
