"""Where the shared real-vote logs live (../shared/data from the project root)."""
from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA = PROJECT_ROOT.parent / "shared" / "data"
LLMFAO = DATA / "llmfao"
GENAI = DATA / "genai_arena_20240220"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data not present: {path} (expected at ../shared/data from the project root)")
    return path
