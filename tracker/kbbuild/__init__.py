"""Building the knowledge base from open data: one reader per source, then the merge."""
