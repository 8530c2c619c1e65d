"""Thin pollers: each step claims due rows, acts through the capability's actions, commits."""
