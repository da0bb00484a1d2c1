"""Composing and delivering mail: letter-style dates, calendar invitations, MIME, SMTP."""
