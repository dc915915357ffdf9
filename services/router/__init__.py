"""Router: decides which agency holds each case, or sends it to the center's triage."""
