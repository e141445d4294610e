"""The search index: schema, text analysis, MIME extraction, indexing and search."""
