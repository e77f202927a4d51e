"""Reviewed, set-based refactorings of messy Django schemas."""

from __future__ import annotations

__version__ = "0.1.0"
