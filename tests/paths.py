"""Paths to the repository's own data, for tests (importable as tests.paths)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_ARTICLE = ROOT / "seeds" / "000_37deaf7060d2508f.txt"
SEED_SUITE = ROOT / "datasets" / "seed"
FIXTURES = ROOT / "tests" / "fixtures"
