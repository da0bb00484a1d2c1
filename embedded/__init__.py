"""The embedded default for one machine: Temporal dev server, local SMTP server, worker."""
