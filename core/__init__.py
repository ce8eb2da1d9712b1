"""Helpers every app uses (no models): the bottom of the import layers."""
