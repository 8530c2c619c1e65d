"""Test data made through the real actions, never hand-built rows that bypass rules."""
