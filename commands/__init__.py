"""What starter.py's subcommands do: reports from the database, updates through Temporal."""
