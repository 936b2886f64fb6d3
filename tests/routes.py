"""The application's routes as tests walk them: every endpoint, and a URL for each."""

from __future__ import annotations

from typing import Any

from flask import Flask


def endpoints(app: Flask) -> dict[str, tuple[str, set[str]]]:
    """Each endpoint (but static files) with one URL rule and its methods."""
    found: dict[str, tuple[str, set[str]]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            found[rule.endpoint] = (rule.rule, set(rule.methods or ()) - {"HEAD", "OPTIONS"})
    return found


def build(rule: str, values: dict[str, Any]) -> str:
    """The URL of `rule` with each <parameter> taken from `values`."""
    url = rule
    for name, value in values.items():
        for converter in ("int:", ""):
            url = url.replace(f"<{converter}{name}>", str(value))
    assert "<" not in url, f"no test value for a parameter of {rule}"
    return url
