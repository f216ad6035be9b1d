"""Unknown query parameters are a 422 (a typo such as ``?limt=5`` would otherwise be ignored
and the client would never know), in the API's one error format: the same as JSON bodies,
whose models forbid unknown fields."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError


def _query_names(dependant: Dependant) -> set[str]:
    names = {f.alias for f in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def reject_unknown_query(request: Request) -> None:
    """A router dependency: the query may name only the route's declared parameters."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    # kept on the route itself (an id-keyed table would outlive apps and mix up their routes)
    known = getattr(route, "_docnav_query_names", None)
    if known is None:
        known = frozenset(_query_names(dependant))
        route._docnav_query_names = known  # type: ignore[union-attr]
    unknown = sorted({k for k in request.query_params if k not in known})
    if unknown:
        allowed = ", ".join(sorted(known)) or "none"
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "msg": f"unknown query parameter (this endpoint takes: {allowed})",
                    "type": "extra_forbidden",
                }
                for name in unknown
            ]
        )
