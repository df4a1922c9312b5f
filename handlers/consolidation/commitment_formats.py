"""What the consolidation commands offer (light: the command line's parser reads it)."""

from __future__ import annotations

FORMATS = ("csv", "xlsx", "json", "docx", "md")
"""The formats of ``cocrea commitments export``."""
OGP_VALUE_IDS = ("transparency", "participation", "accountability", "technology")
"""The values of the Open Government Partnership a commitment may serve (labels in commitment_template)."""
CLUSTER_FORMATS = ("csv", "xlsx", "json")
"""The formats of ``cocrea clusters``."""
