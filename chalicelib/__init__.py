"""recording-relay: provider recording events in, one schema and one archive out."""
