"""Command line: `gridgov GROUP COMMAND`."""
