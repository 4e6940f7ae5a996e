"""Client files into validated facts: readers, presets, shaping, sources, demo data."""
