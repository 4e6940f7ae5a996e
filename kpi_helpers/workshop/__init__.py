"""Workshop exercises for trainers: content, checking, the nail-factory simulation, views."""
