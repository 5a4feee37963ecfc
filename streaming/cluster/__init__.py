"""Several server instances as one: shared sources, names and viewers through Redis (README, Scaling out)."""

from .cluster import Cluster

__all__ = ["Cluster"]
