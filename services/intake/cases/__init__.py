"""One case per message: acceptance, the case registry and outbox, tickets, reporters, masking."""
