"""Documents → records → graph and indexes. Owns the on-disk formats and their readers."""
