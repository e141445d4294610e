"""Benchmarks for IMAP Archiver; see docs/PERFORMANCE.md for how to run them and the results."""
