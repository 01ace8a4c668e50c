"""Issue discovery wired to the store: which feedback to cluster, and the clustering pass itself."""
