"""``python -m expressim.model`` runs the CLI."""

from expressim.model.cli import entry

entry()
