"""Working time and the desk-session schedule: pure computation, no I/O."""
