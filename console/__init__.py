"""The organizers' console: the pages organizers run a cycle from, in the portal's application."""
