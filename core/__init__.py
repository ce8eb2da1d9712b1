"""Helpers every app uses, at the bottom of the import layers: no models, no app imports."""
