"""Database plumbing: engine settings and the transaction boundary."""
