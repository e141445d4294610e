"""The desktop app: a PySide6 front end over the same core as the command line."""
