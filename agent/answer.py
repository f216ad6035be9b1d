"""The answer types now live with the shared types (:mod:`docnav.types`); re-exported here
for the code that imports them from the agent package."""

from docnav.types import Answer, AnswerMode, Citation, NumberValue, Step, Trace

__all__ = ["Answer", "AnswerMode", "Citation", "NumberValue", "Step", "Trace"]
