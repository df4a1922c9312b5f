"""Consolidation of proposals: similarity between proposals, near-duplicate groups and commitments."""
