"""Redirect targets: only this site's paths, read the way a browser reads them."""

from __future__ import annotations

import pytest

from centre.security import local_path

OFFSITE = [
    "//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/x",
    "\t//evil.example",
    " //evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "/\x00/x",
    "\x01//evil.example",
    "",
    None,
]


@pytest.mark.parametrize("target", OFFSITE)
def test_offsite_or_malformed_targets_are_refused(target: str | None) -> None:
    assert local_path(target) is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/reception", "/reception"),
        ("/admin/audit?page=2&action=auth.login", "/admin/audit?page=2&action=auth.login"),
        (" /people/K7MQ-3XZ9 ", "/people/K7MQ-3XZ9"),
        ("/re\tception", "/reception"),
    ],
)
def test_local_paths_are_kept_as_the_browser_would_read_them(target: str, expected: str) -> None:
    assert local_path(target) == expected
