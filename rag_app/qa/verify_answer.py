"""Verify a generated answer and decide what to show: the answer, the sources' own sentences, or a refusal."""

from __future__ import annotations

from django.conf import settings

from rag_app.qa.verification.verifier import Thresholds


def thresholds() -> Thresholds:
    """The verification settings in force (VERIFY_*)."""
    return Thresholds(min_score=settings.VERIFY_MIN_SCORE, min_overlap=settings.VERIFY_MIN_OVERLAP)
