"""The console: operators' triage and SLA screens, agencies' inbox, the citizen's status page."""
