"""Synthetic SEC-style corpora with planted RAG-failure questions (``docnav synth``).

Fictional companies file 10-Ks, 10-Qs and 8-K earnings releases as EDGAR-style HTML and PDF;
the numbers tie out across statements, and the questions written beside them have gold
answers, evidence pages and the failure mode each one tests. Output is deterministic for a
seed."""

from docnav.synth.generate import (
    CorpusManifest,
    FilingSpec,
    SynthConfig,
    build_filing,
    generate,
    plan,
    scale_config,
    small_config,
)

__all__ = [
    "CorpusManifest",
    "FilingSpec",
    "SynthConfig",
    "build_filing",
    "generate",
    "plan",
    "scale_config",
    "small_config",
]
