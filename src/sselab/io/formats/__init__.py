"""One module per file format; each registers its readers with sselab.io.registry."""
