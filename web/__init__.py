"""One web application: the portal for participants, the status board for organizers."""
