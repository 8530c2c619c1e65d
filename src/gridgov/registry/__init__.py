"""Registry: households, residents, key groups, life events, import and export."""
