"""Figures (the only floor importing matplotlib) and the self-contained HTML reports."""
