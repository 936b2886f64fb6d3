"""Domains meet through services (and labels, models), never through each other's pages.

A domain is a package under centre/. Its modules may import another domain's services,
labels, actions and models; importing another domain's routes or forms ties two domains'
screens together, and fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

CENTRE = Path(__file__).resolve().parent.parent / "centre"
PRIVATE_TO_A_DOMAIN = ("routes", "forms")


def imported_modules(path: Path, root: Path) -> set[str]:
    """Every module a file imports, relative imports resolved."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def crossings(centre: Path = CENTRE) -> list[str]:
    """Each import of another domain's routes or forms under the package `centre`."""
    root = centre.parent
    domains = {p.name for p in centre.iterdir() if (p / "__init__.py").exists()}
    found = []
    for domain in sorted(domains):
        for path in (centre / domain).rglob("*.py"):
            for module in imported_modules(path, root):
                parts = module.split(".")
                if (
                    len(parts) >= 3
                    and parts[0] == centre.name
                    and parts[1] in domains
                    and parts[1] != domain
                    and parts[2] in PRIVATE_TO_A_DOMAIN
                ):
                    found.append(f"{path.relative_to(root)} imports {module}")
    return sorted(found)


def test_no_domain_imports_another_domains_routes_or_forms() -> None:
    assert crossings() == []


def test_the_check_sees_a_crossing(tmp_path: Path) -> None:
    """The walk resolves relative imports and would catch one (a check that cannot fail
    proves nothing)."""
    centre = tmp_path / "centre"
    for domain in ("people", "reception", "reception/services"):
        (centre / domain).mkdir(parents=True)
        (centre / domain / "__init__.py").write_text("")
    (centre / "reception" / "services" / "visits.py").write_text(
        "from ...people.routes import load_person\nfrom centre.people import forms, labels\n"
    )
    assert crossings(centre) == [
        "centre/reception/services/visits.py imports centre.people.forms",
        "centre/reception/services/visits.py imports centre.people.routes",
        "centre/reception/services/visits.py imports centre.people.routes.load_person",
    ]
