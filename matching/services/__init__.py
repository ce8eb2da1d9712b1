"""Workflows of the matching app: building instances, runs, review, offers."""
