"""Voice notes: reading uploads (audio.py), speech providers (providers.py), routes (routes.py)."""
