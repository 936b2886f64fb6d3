"""Malformed input gets a clear 4xx, never a 500: every route, every role, generated values.

For each role the test first walks every page as a user would, and learns from the pages
themselves what can be sent: the forms (their fields, the values they offer, where they
post) and the query parameters each view reads (recorded as the view reads them). New routes
and fields are covered without touching this file. Then, per route, Hypothesis sends
generated requests: fields missing, duplicated, empty, huge, negative, NaN, Unicode digits,
NUL bytes, out-of-range dates; malformed URL parts and field names. Every answer must be
below 500.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any, ClassVar
from urllib.parse import quote, urlencode, urlsplit

import pytest
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from centre.auth.models import Role, User
from centre.auth.permissions import PUBLIC, policy_of, role_may
from tests import factories
from tests.conftest import Browser
from tests.routes import build, endpoints, objects_behind_urls

# Examples per route a role may use, and per route it is refused (the policy answers first).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
REFUSED_EXAMPLES = 2
SESSION_ENDING = {"auth.logout", "auth.lock"}

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "2147483647",
    "2147483648",
    "-9223372036854775809",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999999",
    "1e308",
    "-1e308",
    "NaN",
    "nan",
    "sNaN",
    "-sNaN",
    "Infinity",
    "-Infinity",
    "²",
    "١٢",
    "１２",
    "\x00",
    "a\x00b",
    "0001-01-01",
    "9999-12-31",
    "0000-00-00",
    "2026-02-30",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "10000-01-01",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "\u202e\u0000\ufeff",
    "x" * 5000,
    "é" * 300,
    "----",
    "K7MQ-3XZ9",
    "0000-0000",
    "//evil.example",
    "/\t/evil.example",
]
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["²", "١٢", "１２", "0", "-0", "00000000000000000000001"]),
)
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    NUMBERS,
    st.floats().map(str),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(str),
    st.datetimes().map(lambda moment: moment.isoformat(timespec="minutes")),
)


# --- what the pages offer -------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)


class FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_path = urlsplit(page_url).path
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = urlsplit(attributes.get("action") or self.page_path).path
            self.forms.append(Form(action, attributes.get("method", "get").upper()))
            return
        if not self.forms:
            return
        fields = self.forms[-1].fields
        name = attributes.get("name")
        if tag in ("input", "textarea", "button") and name:
            fields.setdefault(name, []).append(attributes.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, [])
        elif tag == "option" and self._select:
            fields[self._select].append(attributes.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


class RecordingArgs(ImmutableMultiDict[str, str]):
    """Query and form data that remember which names a view asked for."""

    asked: ClassVar[set[str]] = set()

    def get(self, key: str, *args: Any, **kwargs: Any) -> Any:
        RecordingArgs.asked.add(key)
        return super().get(key, *args, **kwargs)

    def __getitem__(self, key: str) -> Any:
        RecordingArgs.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            RecordingArgs.asked.add(key)
        return super().__contains__(key)


@dataclass
class Target:
    endpoint: str
    rule: str
    method: str
    url: str
    fields: dict[str, list[str]]
    query: set[str]


@dataclass
class World:
    role: Role | None
    url_values: dict[str, Any]
    log_in: Callable[[], Browser]


def read_pages(
    app: Flask, client: Browser, url_values: dict[str, Any]
) -> tuple[list[Form], dict[str, set[str]]]:
    """Every page's forms, and the query parameters each view asked for while answering."""
    forms: list[Form] = []
    asked_by: dict[str, set[str]] = {}
    original = app.request_class
    app.request_class = type(
        "RecordingRequest", (original,), {"parameter_storage_class": RecordingArgs}
    )
    try:
        for endpoint, (rule, methods) in sorted(endpoints(app).items()):
            if "GET" not in methods or endpoint in SESSION_ENDING:
                continue
            url = build(rule, url_values)
            RecordingArgs.asked = set()
            response = client.get(url)
            asked_by[endpoint] = set(RecordingArgs.asked)
            if response.mimetype == "text/html":
                parser = FormParser(url)
                parser.feed(response.get_data(as_text=True))
                forms.extend(parser.forms)
    finally:
        app.request_class = original
    return forms, asked_by


def fields_of(
    forms: list[Form], path: str | None = None, method: str | None = None
) -> dict[str, list[str]]:
    """The fields (and the values offered) of the forms posting to `path` with `method`;
    of every form when both are None."""
    fields: dict[str, list[str]] = {}
    for form in forms:
        if path is None or (form.action == path and form.method == method):
            for name, offered in form.fields.items():
                fields.setdefault(name, []).extend(offered)
    return fields


def survey(app: Flask, client: Browser, url_values: dict[str, Any]) -> list[Target]:
    """Every route with a valid URL, and what its pages say can be sent to it."""
    forms, asked_by = read_pages(app, client, url_values)
    every_field = fields_of(forms)
    targets = []
    for endpoint, (rule, methods) in sorted(endpoints(app).items()):
        url = build(rule, url_values)
        for method in sorted(methods):
            # A route no page posts to (for this role) still gets every known field name.
            fields = fields_of(forms, urlsplit(url).path, method) or dict(every_field)
            query = asked_by.get(endpoint, set()) | {"page", "next", "q"}
            targets.append(Target(endpoint, rule, method, url, fields, query))
    # Pages first, while every object they show still exists; then the posts, some of which
    # delete, erase or disable what later requests would have shown.
    return sorted(targets, key=lambda target: target.method != "GET")


# --- generated requests ---------------------------------------------------------------------


def malformed_name(name: str, draw: Callable[..., Any]) -> str:
    """A field name like service-3 with a malformed number, or the name itself."""
    prefix, dash, suffix = name.rpartition("-")
    if dash and suffix.isascii() and suffix.isdigit():
        return f"{prefix}-{draw(NUMBERS)}"
    return name


def request_for(
    target: Target, draw: Callable[..., Any], csrf: str, url_values: dict[str, Any]
) -> tuple[str, list[Any]]:
    url = target.url
    parameters = [p.split(">")[0].split(":")[-1] for p in target.rule.split("<")[1:]]
    if parameters and draw(st.booleans()):
        # One URL part replaced by a malformed value.
        name = draw(st.sampled_from(parameters))
        url = build(target.rule, {**url_values, name: quote(draw(VALUES), safe="")})
    names = draw(st.lists(st.sampled_from(sorted(target.query)), max_size=4))
    query = [(name, draw(VALUES)) for name in names]  # a name drawn twice is sent twice
    if query:
        url = f"{url}?{urlencode(query)}"
    data: list[tuple[str, str]] = []
    if target.method == "POST":
        if draw(st.integers(min_value=0, max_value=9)) > 0:
            data.append(("csrf_token", csrf))
        for name, offered in sorted(target.fields.items()):
            if name == "csrf_token":
                continue
            choice = draw(st.sampled_from(["omit", "offered", "malformed", "twice"]))
            if choice == "omit":
                continue
            valid = draw(st.sampled_from(offered)) if offered else ""
            sent_name = malformed_name(name, draw) if draw(st.booleans()) else name
            value = valid if choice == "offered" else draw(VALUES)
            data.append((sent_name, value))
            if choice == "twice":
                data.append((sent_name, draw(VALUES)))
    return url, data


@pytest.fixture
def world(
    request: pytest.FixtureRequest,
    app: Flask,
    session: Session,
    make_user: Callable[..., User],
) -> Iterator[World]:
    role: Role | None = request.param
    owner = make_user(role or Role.RECEPTION, username="fuzz.owner")
    other = make_user(Role.RECEPTION, username="fuzz.other")
    factories.supply(session, key="condom")
    values = objects_behind_urls(session, owner=owner, other=other)

    def log_in() -> Browser:
        browser = Browser(app.test_client())
        if role is not None:
            assert browser.login(owner.username).status_code == 302
        return browser

    yield World(role, values, log_in)


@pytest.mark.parametrize(
    "world", [None, *Role], ids=lambda r: r.value if r else "anonymous", indirect=True
)
def test_malformed_requests_never_get_a_500(world: World, app: Flask) -> None:
    client = world.log_in()
    targets = survey(app, client, world.url_values)
    sent: list[int] = []
    failures: list[str] = []
    for target in targets:
        policy = policy_of(app.view_functions[target.endpoint])
        allowed = policy == PUBLIC or (world.role is not None and role_may(world.role, policy))
        # Forms have more to vary than a page's few query parameters.
        examples = (EXAMPLES if target.method == "POST" else EXAMPLES // 2) if allowed else 0
        examples = max(examples, REFUSED_EXAMPLES)
        if target.endpoint in SESSION_ENDING:
            examples = min(examples, 3)
        probe = prober(world, client, target, examples, sent, failures)
        with contextlib.suppress(AssertionError):
            probe()  # failures are collected and reported together below
    print(f"fuzz: {len(sent)} requests to {len(targets)} routes, {len(failures)} answered 500")
    assert not failures, f"{len(failures)} requests got a 500:\n" + "\n".join(failures[:20])
    # Not a test that passes by sending nothing.
    assert len(sent) >= REFUSED_EXAMPLES * len(targets) and len(sent) >= 100, len(sent)


def prober(
    world: World,
    client: Browser,
    target: Target,
    examples: int,
    sent: list[int],
    failures: list[str],
) -> Callable[[], None]:
    """Hypothesis' search for a request to `target` that gets a 500."""

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,  # the same requests on every run: CI never fails by chance
        # No shrinking: a failing route is reported as found, so a broken run stays short.
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def probe(data: st.DataObject) -> None:
        own = world.log_in() if target.endpoint in SESSION_ENDING else client
        url, form = request_for(target, data.draw, own.csrf(), world.url_values)
        if target.method == "GET":
            response = own.client.get(url)
        else:
            response = own.client.post(url, data=MultiDict(form))
        sent.append(response.status_code)
        if response.status_code >= 500:
            failures.append(f"{target.method} {url} {form!r} -> {response.status_code}")
        assert response.status_code < 500

    return probe
