"""Companions: persona data, their avatars, and the CLI that seeds and imports them (routes.bp)."""
