"""Long-running work: each job takes its collaborators and keyword-only report and cancel."""
