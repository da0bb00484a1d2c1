"""The database: every proposal, outcome, confirmation, signature and message, kept with SQLAlchemy."""
