"""The read-only status board: a small ASGI app over the database and Temporal queries."""
