"""Web plumbing: the request boundary, error pages, security headers, template helpers."""
