"""The exit codes of ``imap-archiver``, and the line of ``--help`` that explains them."""

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130
EXIT_PARTLY = 3  # the job went through, but left some of its work undone (see its summary)
EXIT_CODES_HELP = (
    "Exit status: 0 done, 1 failed or stopped, 2 bad usage, 3 partly done (some mail stays "
    "on the server, the summary says why), 130 cancelled."
)
