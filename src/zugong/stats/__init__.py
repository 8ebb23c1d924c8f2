"""Statistics over a subtree (read side only; no models). See summary.py."""
