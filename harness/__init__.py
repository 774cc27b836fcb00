"""sumbench: evaluate summarizers with ROUGE, checklists and CI gates."""

__version__ = "0.1.0"
