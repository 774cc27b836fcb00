"""The package version, in the bottom layer so manifests can record it without importing upward."""

__version__ = "0.1.0"
