"""Who may act (signed action tokens) and what the Temporal server may read (payload encryption)."""
