"""``lake demo``: sample files for the sample zones, and the full flow over them."""
