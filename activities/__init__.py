"""Activities: every piece of I/O the workflows need (database, mail, documents)."""
