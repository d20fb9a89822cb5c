"""Pages for the people named in ADMIN_USERNAMES: companion import from character cards."""
