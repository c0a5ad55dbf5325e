"""``python -m model`` runs the CLI."""

from model.cli import entry

entry()
