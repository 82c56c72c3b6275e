"""The widgets of the reader: each in its own small module."""
