"""Dialogs of the app, one module each."""
