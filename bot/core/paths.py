"""Where things are in the checkout; standard library only (both environments import it)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NLU_DATA_DIR = PROJECT_ROOT / "data" / "nlu"
RASA_VENV = PROJECT_ROOT / ".venv-rasa"
MODELS_DIR = PROJECT_ROOT / "models"
REPORTS_DIR = PROJECT_ROOT / "reports"
