"""Configuration that staff write: consultation files, loaded and checked (below ``handlers/``)."""
