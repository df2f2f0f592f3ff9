"""Console views, one module per navigation section."""
