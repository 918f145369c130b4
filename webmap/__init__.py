"""The central station: ingest API, store, targets, map, cases and notifications."""
