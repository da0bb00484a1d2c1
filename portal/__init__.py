"""The portal: every participant acts from the personal link in their mail."""
