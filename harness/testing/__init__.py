"""Test and benchmark helpers shipped with the package (no test framework needed)."""
