"""Versions of a handout: audiences, languages, the batch plan, named clients."""
