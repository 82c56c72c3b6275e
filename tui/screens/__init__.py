"""Screens of the reader (the help screen)."""
