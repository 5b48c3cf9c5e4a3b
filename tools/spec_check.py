#!/usr/bin/env python3
"""Contract checker: Intercache's Intercom API simulator vs Intercom's OpenAPI description.

Calls a fixed set of read endpoints on a running simulator (or on one this script
starts itself), and validates every JSON response body against the response schema
that the OpenAPI description declares for that path, method and HTTP status.

Validation uses openapi_schema_validator.OAS30ReadValidator (OpenAPI 3.0 semantics:
`nullable`, `readOnly`/`writeOnly`, draft-4 style keywords) plus the OAS 3.0 format
checker. `$ref`s are resolved through a `referencing` registry that holds the whole
spec document, so component schemas resolve exactly as written. One deliberate
deviation from a literal OAS 3.0 reading: `nullable: true` written beside a `$ref`
is honoured (the description does this for ai_agent, company, assigned_to, ... and
its own examples put null there); --literal-ref-siblings turns that off.
Note the description marks almost nothing `required`, so a missing member passes;
--require-all-properties and --report-undeclared give stricter, advisory views.

Usage:
  spec_check.py --base-url http://127.0.0.1:PORT --token simulator-token
  spec_check.py --start .build/debug/intercache
Output: one `PASS <METHOD> <path>` / `FAIL <METHOD> <path>: <errors>` line per
endpoint, then `N passed, M failed`. Exit status 1 if anything failed, 2 on setup errors.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import threading
import time
import urllib.error
from pathlib import Path
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import yaml
from jsonschema import _keywords as _js_keywords
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import extend
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from openapi_schema_validator.validators import build_enforce_properties_required_validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

# ../shared beside the checkout, as CI lays it out.
DEFAULT_SPEC = str(Path(__file__).resolve().parents[2] / "shared" / "intercom-openapi" / "api.intercom.io.yaml")
DEFAULT_START_ARGS = "simulate --port 0 --seed 7 --contacts 300 --companies 40 --conversations 150"
SPEC_URI = "urn:intercom-openapi"
SEARCH_QUERY = {"field": "updated_at", "operator": ">", "value": 1600000000}


# Places where the 2.16 description contradicts itself (its own examples, or the types its
# /data_attributes endpoint reports, do not fit the schema). Errors located in these schemas
# are only waived with --waive-spec-defects.
KNOWN_SPEC_DEFECTS = {
    "#/components/schemas/company/properties/custom_attributes/additionalProperties":
        "company.custom_attributes values are declared string-only, but the schema's own example "
        "has true / 155.5 / 9 and company data attributes can be float, integer, boolean or date",
    "#/components/schemas/custom_attributes/additionalProperties":
        "custom_attributes values allow only string|integer|datetime|custom_object_instance_list, "
        "but the schema's own example has true and 155.5 (boolean and float attributes exist)",
}


def nullable_ref(validator, ref, instance, schema):
    """`$ref` that honours a `nullable: true` written next to it.

    OAS 3.0 says siblings of `$ref` are ignored, but Intercom's description writes
    `{$ref: X, nullable: true}` in many places (ai_agent, company, assigned_to, ...) and
    its own examples put null there, so null is accepted unless --literal-ref-siblings."""
    if instance is None and schema.get("nullable") is True:
        return
    yield from _js_keywords.ref(validator, ref, instance, schema)


# --------------------------------------------------------------------------- spec


def escape_pointer_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class Spec:
    def __init__(self, path: str, require_all_properties: bool = False,
                 literal_ref_siblings: bool = False):
        with open(path, "rb") as fh:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            self.doc = yaml.load(fh, Loader=loader)
        self.registry = Registry().with_resource(
            SPEC_URI, Resource(contents=self.doc, specification=DRAFT4)
        )
        cls = OAS30ReadValidator
        if not literal_ref_siblings:
            cls = extend(cls, validators={"$ref": nullable_ref})
        if require_all_properties:
            cls = build_enforce_properties_required_validator(cls)
        self.validator_cls = cls
        self._validators: dict[str, Any] = {}
        # id(schema dict) -> JSON pointer inside the spec, to name the failing schema.
        self.locations: dict[int, str] = {}
        self._index(self.doc, "#")

    def _index(self, node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            self.locations.setdefault(id(node), pointer)
            for k, v in node.items():
                if k in ("example", "examples"):
                    continue
                self._index(v, pointer + "/" + escape_pointer_token(str(k)))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                self._index(v, f"{pointer}/{i}")

    def resolve_local(self, ref: str) -> tuple[Any, str]:
        assert ref.startswith("#/"), ref
        node = self.doc
        for tok in ref[2:].split("/"):
            tok = tok.replace("~1", "/").replace("~0", "~")
            node = node[tok] if isinstance(node, dict) else node[int(tok)]
        return node, ref

    def operation(self, method: str, template: str) -> dict:
        try:
            return self.doc["paths"][template][method.lower()]
        except KeyError:
            raise KeyError(f"spec has no operation {method} {template}") from None

    def response_schema_pointer(self, method: str, template: str, status: int):
        """Return (pointer, declared_statuses, how) for the JSON schema of a response.

        pointer is None when the status is not declared (and there is no `default`)."""
        op = self.operation(method, template)
        responses = {str(k): v for k, v in op.get("responses", {}).items()}
        declared = sorted(responses)
        base = "#/paths/%s/%s/responses" % (escape_pointer_token(template), method.lower())
        key = None
        for cand in (str(status), f"{str(status)[0]}XX", "default"):
            if cand in responses:
                key = cand
                break
        if key is None:
            return None, declared, None
        resp, ptr = responses[key], f"{base}/{escape_pointer_token(key)}"
        if "$ref" in resp:
            resp, ptr = self.resolve_local(resp["$ref"])
        content = resp.get("content") or {}
        media = None
        for ct in content:
            if ct.split(";")[0].strip() == "application/json":
                media = ct
                break
        if media is None or "schema" not in content[media]:
            return None, declared, f"response {key} declares no application/json schema"
        return f"{ptr}/content/{escape_pointer_token(media)}/schema", declared, key

    def validator(self, pointer: str):
        v = self._validators.get(pointer)
        if v is None:
            v = self.validator_cls(
                {"$ref": SPEC_URI + pointer},
                registry=self.registry,
                format_checker=oas30_format_checker,
            )
            self._validators[pointer] = v
        return v


# ------------------------------------------------------------ undeclared properties


class UndeclaredFinder:
    """Reports object members a response has but its schema does not declare.

    Not a schema violation (the spec never sets additionalProperties: false), but it shows
    where the simulator and the description disagree on a member's name: such members are
    silently left unvalidated. Used with --report-undeclared."""

    def __init__(self, spec: Spec):
        self.spec = spec

    def deref(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 50:
            schema, _ = self.spec.resolve_local(schema["$ref"])
            seen += 1
        return schema

    def merged(self, schema: Any) -> tuple[dict, Any, bool]:
        """(properties, additionalProperties, has_properties) over allOf, following $ref."""
        schema = self.deref(schema)
        props: dict = {}
        addl: Any = None
        has = False
        if not isinstance(schema, dict):
            return props, addl, has
        if "properties" in schema:
            has = True
            props.update(schema["properties"])
        if "additionalProperties" in schema:
            addl = schema["additionalProperties"]
        for sub in schema.get("allOf", []):
            p2, a2, h2 = self.merged(sub)
            for k, v in p2.items():
                props.setdefault(k, v)
            addl = addl if addl is not None else a2
            has = has or h2
        return props, addl, has

    def pick_branch(self, branches: list, instance: Any) -> Any:
        for b in branches:
            ptr = self.spec.locations.get(id(b))
            if ptr and not any(True for _ in self.spec.validator(ptr).iter_errors(instance)):
                return b
        return None

    def find(self, schema: Any, instance: Any, path: tuple = ()) -> list[ValidationError]:
        out: list[ValidationError] = []
        self._walk(schema, instance, path, out, 0)
        return out

    def _walk(self, schema, instance, path, out, depth):
        schema = self.deref(schema)
        if not isinstance(schema, dict) or instance is None or depth > 60:
            return
        for key in ("oneOf", "anyOf"):
            if key in schema:
                b = self.pick_branch(schema[key], instance)
                if b is not None:
                    self._walk(b, instance, path, out, depth + 1)
        if isinstance(instance, list):
            items = schema.get("items")
            if items is None:
                for sub in schema.get("allOf", []):
                    items = self.deref(sub).get("items") if isinstance(self.deref(sub), dict) else None
                    if items is not None:
                        break
            if items is not None:
                for i, v in enumerate(instance):
                    self._walk(items, v, path + (i,), out, depth + 1)
            return
        if not isinstance(instance, dict):
            return
        props, addl, has = self.merged(schema)
        if not props and addl is None and not has and "allOf" not in schema:
            return  # free-form object (or only oneOf/anyOf, handled above)
        if not props and addl is None:
            return
        for k, v in instance.items():
            if k in props:
                self._walk(props[k], v, path + (k,), out, depth + 1)
            elif isinstance(addl, dict):
                self._walk(addl, v, path + (k,), out, depth + 1)
            elif addl is None and not ("oneOf" in schema or "anyOf" in schema):
                declared = ", ".join(sorted(props))
                out.append(ValidationError(
                    f"undeclared property {k!r} (schema declares: {declared})",
                    validator="undeclared", path=list(path) + [k], instance=v, schema=schema))


# ----------------------------------------------------------------------- errors


def short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(err: ValidationError) -> str:
    v, vv, inst = err.validator, err.validator_value, err.instance
    if v == "type":
        nullable = " (not nullable)" if inst is None else ""
        return f"expected {vv}{nullable}, got {short(inst)}"
    if v == "required" or (isinstance(err.message, str) and err.message.endswith("is a required property")):
        missing = re.findall(r"'([^']+)' is a required property", err.message)
        return "missing required property " + (", ".join(repr(m) for m in missing) or err.message)
    if v == "enum":
        return f"expected one of {short(vv, 120)}, got {short(inst)}"
    if v == "format":
        return f"expected format {vv}, got {short(inst)}"
    if v in ("oneOf", "anyOf"):
        msg = f"matches no branch of {v}"
        if v == "oneOf" and "is valid under each of" in err.message:
            msg = "matches more than one oneOf branch"
        if err.context:
            best = best_match(err.context)
            where = "" if best.json_path == err.json_path else f"{generic_path(best.json_path)}: "
            msg += f" (closest branch: {where}{describe(best)})"
        return msg
    return err.message if len(err.message) < 160 else err.message[:157] + "..."


def schema_location(spec: Spec, err: ValidationError) -> str:
    loc = spec.locations.get(id(err.schema))
    return loc or "/".join(str(p) for p in err.schema_path)


def generic_path(json_path: str) -> str:
    return re.sub(r"\[\d+\]", "[*]", json_path)


@dataclass
class ErrorGroup:
    path: str
    text: str
    schema: str
    count: int = 0
    tags: list = field(default_factory=list)
    examples: list = field(default_factory=list)


def group_errors(spec: Spec, errors: list[ValidationError], tag: str,
                 groups: dict, waived: Optional[dict] = None) -> None:
    """Fold errors into `groups` (shared per endpoint), so one problem repeated on every
    list item, page or sampled id is reported once with a count."""
    seen = set()
    for err in errors:
        loc = schema_location(spec, err)
        # OAS30 `type` yields two errors for a null ("None for not nullable" and
        # "None is not of type"): count each instance/schema/keyword once.
        detail = "null" if (err.validator == "type" and err.instance is None) else err.message
        ident = (err.json_path, loc, err.validator, detail)
        if ident in seen:
            continue
        seen.add(ident)
        hit = None if waived is None else next(
            (w for w in waived if loc == w or loc.startswith(w + "/")), None)
        if hit is not None:
            waived[hit] += 1
            continue
        text = describe(err)
        gpath = generic_path(err.json_path)
        key = (gpath, err.validator, loc, type(err.instance).__name__,
               err.message if "required property" in err.message else "")
        g = groups.get(key)
        if g is None:
            g = groups[key] = ErrorGroup(path=gpath, text=text, schema=loc)
        g.count += 1
        if tag and tag not in g.tags:
            g.tags.append(tag)
        if len(g.examples) < 3:
            g.examples.append((f"[{tag}] " if tag else "") + f"{err.json_path} = {short(err.instance)}")


# ------------------------------------------------------------------------- http


class Client:
    def __init__(self, base_url: str, token: str, timeout: float = 30.0):
        self.base = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def call(self, method: str, path: str, query: Optional[dict] = None,
             body: Any = None, token: Optional[str] = None):
        url = self.base + path
        if query:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query)
        data = None
        headers = {
            "Accept": "application/json",
            "Intercom-Version": "2.16",
            "Authorization": f"Bearer {self.token if token is None else token}",
        }
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                status, hdrs, raw = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            status, hdrs, raw = e.code, e.headers, e.read()
        return Response(method, url, status, hdrs.get("Content-Type", ""), raw)


@dataclass
class Response:
    method: str
    url: str
    status: int
    content_type: str
    raw: bytes
    _json: Any = None
    json_error: Optional[str] = None

    def __post_init__(self):
        try:
            self._json = json.loads(self.raw.decode("utf-8")) if self.raw else None
            if not self.raw:
                self.json_error = "empty body"
        except (ValueError, UnicodeDecodeError) as e:
            self.json_error = f"body is not JSON ({e}): {self.raw[:80]!r}"

    @property
    def json(self) -> Any:
        return self._json


# ---------------------------------------------------------------------- checks


@dataclass
class Result:
    label: str
    method: str
    template: str
    problems: list = field(default_factory=list)   # list[str] (non-schema problems)
    groups: dict = field(default_factory=dict)     # key -> ErrorGroup
    responses: int = 0
    notes: list = field(default_factory=list)
    waived: dict = field(default_factory=dict)     # schema pointer -> count

    @property
    def ok(self) -> bool:
        return not self.problems and not self.groups


class Checker:
    def __init__(self, spec: Spec, client: Client, args):
        self.spec = spec
        self.client = client
        self.args = args
        self.results: dict[str, Result] = {}
        self.order: list[str] = []

    def result(self, method: str, template: str, label: Optional[str] = None) -> Result:
        label = label or f"{method} {template}"
        if label not in self.results:
            self.results[label] = Result(label, method, template)
            self.order.append(label)
        return self.results[label]

    def check(self, method: str, template: str, path: str, *, query=None, body=None,
              token=None, expect: int = 200, label: Optional[str] = None,
              tag: str = "") -> Optional[Response]:
        """Perform one request and validate it. Returns the response (None on transport error)."""
        res = self.result(method, template, label)
        prefix = f"[{tag}] " if tag else ""
        try:
            resp = self.client.call(method, path, query=query, body=body, token=token)
        except Exception as e:  # connection refused, timeout...
            res.problems.append(f"{prefix}request {method} {path} failed: {e}")
            return None
        res.responses += 1
        if resp.status != expect:
            res.problems.append(
                f"{prefix}{method} {_rel(resp.url)}: expected HTTP {expect}, got {resp.status} "
                f"{short(resp.json if resp.json_error is None else resp.raw.decode('utf-8', 'replace'), 160)}")
            # still validate against whatever the spec says for the status we got
        if "application/json" not in resp.content_type.lower():
            res.problems.append(f"{prefix}{method} {_rel(resp.url)}: Content-Type is "
                                f"{resp.content_type!r}, spec declares application/json")
        if resp.json_error:
            res.problems.append(f"{prefix}{method} {_rel(resp.url)}: {resp.json_error}")
            return resp
        pointer, declared, how = self.spec.response_schema_pointer(method, template, resp.status)
        if pointer is None:
            if how:  # status declared but without a JSON schema
                res.problems.append(f"{prefix}HTTP {resp.status}: {how}")
                return resp
            fallback = "#/components/schemas/error"
            errs = list(self.spec.validator(fallback).iter_errors(resp.json)) if resp.status >= 400 else None
            verdict = "" if errs is None else (
                "; body conforms to #/components/schemas/error" if not errs
                else "; body does NOT conform to #/components/schemas/error either")
            msg = (f"{prefix}HTTP {resp.status} is not declared by the spec for {method} {template} "
                   f"(declared: {', '.join(declared)}){verdict}")
            if self.args.lenient_undeclared_errors and errs == []:
                res.notes.append(msg)
            else:
                res.problems.append(msg)
            return resp
        errors = list(self.spec.validator(pointer).iter_errors(resp.json))
        if self.args.report_undeclared:
            schema, _ = self.spec.resolve_local(pointer)
            errors += UndeclaredFinder(self.spec).find(schema, resp.json)
        if self.args.waive_spec_defects:
            waived = {k: 0 for k in KNOWN_SPEC_DEFECTS}
            group_errors(self.spec, errors, tag, res.groups, waived)
            for k, n in waived.items():
                if n:
                    res.waived[k] = res.waived.get(k, 0) + n
        else:
            group_errors(self.spec, errors, tag, res.groups)
        return resp

    # ---------------------------------------------------------------- endpoints

    def run(self) -> None:
        a = self.args
        c = self.check

        c("GET", "/me", "/me")

        admins = c("GET", "/admins", "/admins")
        for admin_id in self.need(self.sample_ids(admins, "admins"), "GET", ["/admins/{admin_id}"]):
            c("GET", "/admins/{admin_id}", f"/admins/{q(admin_id)}", tag=f"id={admin_id}")

        teams = c("GET", "/teams", "/teams")
        for team_id in self.need(self.sample_ids(teams, "teams"), "GET", ["/teams/{team_id}"]):
            c("GET", "/teams/{team_id}", f"/teams/{q(team_id)}", tag=f"id={team_id}")

        c("GET", "/tags", "/tags")
        c("GET", "/segments", "/segments", query={"include_count": "true"},
          label="GET /segments?include_count=true")

        # ---- contacts (cursor pagination)
        contacts = self.cursor_pages("GET", "/contacts", "/contacts", per_page=50)
        contact_ids = self.need(self.pick_contacts(contacts), "GET", [
            "/contacts/{contact_id}", "/contacts/{contact_id}/tags", "/contacts/{contact_id}/companies",
            "/contacts/{contact_id}/segments", "/contacts/{contact_id}/notes"])
        for cid in contact_ids:
            tag = f"id={cid}"
            c("GET", "/contacts/{contact_id}", f"/contacts/{q(cid)}", tag=tag)
            c("GET", "/contacts/{contact_id}/tags", f"/contacts/{q(cid)}/tags", tag=tag)
            c("GET", "/contacts/{contact_id}/companies", f"/contacts/{q(cid)}/companies", tag=tag)
            c("GET", "/contacts/{contact_id}/segments", f"/contacts/{q(cid)}/segments", tag=tag)
            c("GET", "/contacts/{contact_id}/notes", f"/contacts/{q(cid)}/notes", tag=tag)
        self.search_pages("/contacts/search")

        # ---- companies
        companies = self.numbered_pages("GET", "/companies", "/companies", per_page=20)
        self.numbered_pages("POST", "/companies/list", "/companies/list", per_page=20)
        first = c("GET", "/companies/scroll", "/companies/scroll", tag="page 1")
        sp = _get(first, "scroll_param")
        if sp:
            c("GET", "/companies/scroll", "/companies/scroll", query={"scroll_param": sp}, tag="page 2")
        for co in self.need(self.pick_companies(companies), "GET", [
                "/companies/{company_id}", "/companies/{company_id}/contacts",
                "/companies/{company_id}/segments"]):
            tag = f"id={co}"
            c("GET", "/companies/{company_id}", f"/companies/{q(co)}", tag=tag)
            c("GET", "/companies/{company_id}/contacts", f"/companies/{q(co)}/contacts", tag=tag)
            c("GET", "/companies/{company_id}/segments", f"/companies/{q(co)}/segments", tag=tag)

        # ---- conversations
        convs = self.cursor_pages("GET", "/conversations", "/conversations", per_page=50,
                                  item_key="conversations")
        self.search_pages("/conversations/search", item_key="conversations")
        for cv in self.need(self.pick_conversations(convs), "GET", ["/conversations/{conversation_id}"]):
            c("GET", "/conversations/{conversation_id}", f"/conversations/{q(cv)}", tag=f"id={cv}")
        self.numbered_pages("GET", "/conversations/deleted", "/conversations/deleted", per_page=None)

        # ---- tickets (no list endpoint: the search pages them, cursor in the body)
        tickets = self.search_pages("/tickets/search", item_key="tickets")
        for tk in self.need(self.sample_ids({"tickets": tickets}, "tickets") if tickets else [], "GET", ["/tickets/{ticket_id}"]):
            c("GET", "/tickets/{ticket_id}", f"/tickets/{q(tk)}", tag=f"id={tk}")
        types = c("GET", "/ticket_types", "/ticket_types")
        for tt in self.need(self.sample_ids(types, "data"), "GET", ["/ticket_types/{ticket_type_id}"]):
            c("GET", "/ticket_types/{ticket_type_id}", f"/ticket_types/{q(tt)}", tag=f"id={tt}")
        c("GET", "/ticket_states", "/ticket_states")

        # ---- misc
        for model in ("contact", "company"):
            c("GET", "/data_attributes", "/data_attributes", query={"model": model},
              label=f"GET /data_attributes?model={model}")
        users = [x for x in contacts if x.get("role") == "user"] or contacts
        if users:
            uid = users[0].get("id")
            c("GET", "/events", "/events",
              query={"type": "user", "intercom_user_id": uid, "summary": "true"},
              label="GET /events?type=user&summary=true")
        else:
            self.result("GET", "/events", "GET /events?type=user&summary=true").problems.append(
                "no user contact found to query events for")
        self.numbered_pages("GET", "/articles", "/articles", per_page=None)

        # ---- errors
        c("GET", "/contacts", "/contacts", token="wrong-" + a.token, expect=401,
          label="GET /contacts [401 wrong token]")
        c("GET", "/contacts/{contact_id}", "/contacts/000000000000000000000bad", expect=404,
          label="GET /contacts/{contact_id} [404 unknown id]")

    def need(self, ids: list, method: str, templates: list) -> list:
        """Record a failure for detail endpoints whose ids could not be resolved."""
        if not ids:
            for t in templates:
                self.result(method, t).problems.append(
                    "no id could be resolved from the list response; endpoint not called")
        return ids

    # --------------------------------------------------------------- pagination

    def cursor_pages(self, method, template, path, per_page, item_key="data") -> list:
        items: list = []
        resp = self.check(method, template, path, query={"per_page": per_page}, tag="page 1")
        items += _list(resp, item_key)
        cursor = _get(resp, "pages", "next", "starting_after")
        if cursor:
            resp2 = self.check(method, template, path,
                               query={"per_page": per_page, "starting_after": cursor}, tag="page 2")
            items += _list(resp2, item_key)
        elif resp is not None and resp.status == 200:
            self.result(method, template).notes.append("no next page to follow")
        return items

    def search_pages(self, path, item_key="data") -> list:
        body = {"query": SEARCH_QUERY, "pagination": {"per_page": 50}}
        resp = self.check("POST", path, path, body=body, tag="page 1")
        items = _list(resp, item_key)
        cursor = _get(resp, "pages", "next", "starting_after")
        if cursor:
            body2 = {"query": SEARCH_QUERY, "pagination": {"per_page": 50, "starting_after": cursor}}
            items += _list(self.check("POST", path, path, body=body2, tag="page 2"), item_key)
        return items

    def numbered_pages(self, method, template, path, per_page, item_key="data") -> list:
        query = {"page": 1}
        if per_page:
            query["per_page"] = per_page
        resp = self.check(method, template, path, query=query, tag="page 1")
        items = _list(resp, item_key)
        pages = _get(resp, "pages") or {}
        nxt = pages.get("next") if isinstance(pages, dict) else None
        total = pages.get("total_pages") if isinstance(pages, dict) else None
        if nxt or (isinstance(total, int) and total > 1):
            query2 = dict(query, page=2)
            items += _list(self.check(method, template, path, query=query2, tag="page 2"), item_key)
        return items

    # ---------------------------------------------------------------- id picking

    def sample_ids(self, resp, key) -> list:
        items = _list(resp, key)
        ids = [str(x["id"]) for x in items if isinstance(x, dict) and x.get("id") is not None]
        return spread(ids, self.args.samples)

    def pick_contacts(self, contacts: list) -> list:
        contacts = [x for x in contacts if isinstance(x, dict) and x.get("id")]
        if self.args.all_ids:
            return [x["id"] for x in contacts]

        def richness(x):
            return sum((_get(x, k, "total_count") or 0) for k in ("tags", "notes", "companies"))

        chosen = spread([x["id"] for x in contacts], max(self.args.samples - 2, 1))
        if contacts:
            chosen.append(max(contacts, key=richness)["id"])
            for role in ("user", "lead"):
                hit = next((x["id"] for x in contacts if x.get("role") == role), None)
                if hit:
                    chosen.append(hit)
        return dedup(chosen)

    def pick_companies(self, companies: list) -> list:
        companies = [x for x in companies if isinstance(x, dict) and x.get("id")]
        if self.args.all_ids:
            return [x["id"] for x in companies]
        chosen = spread([x["id"] for x in companies], max(self.args.samples - 1, 1))
        if companies:
            chosen.append(max(companies, key=lambda x: x.get("user_count") or 0)["id"])
        return dedup(chosen)

    def pick_conversations(self, convs: list) -> list:
        convs = [x for x in convs if isinstance(x, dict) and x.get("id")]
        if self.args.all_ids:
            return [x["id"] for x in convs]
        chosen = spread([x["id"] for x in convs], self.args.samples)
        for state in ("open", "closed", "snoozed"):
            hit = next((x["id"] for x in convs if x.get("state") == state), None)
            if hit:
                chosen.append(hit)
        return dedup(chosen)

    # ------------------------------------------------------------------ output

    def report(self, out=sys.stdout) -> int:
        passed = failed = 0
        for label in self.order:
            r = self.results[label]
            if r.ok:
                passed += 1
                print(f"PASS {label}", file=out)
            else:
                failed += 1
                parts = list(r.problems)
                # stable order (the simulator's JSON member order can vary between runs);
                # errors inside known spec defects go last
                ordered = sorted(r.groups.values(), key=lambda g: (
                    g.schema in KNOWN_SPEC_DEFECTS, g.path, g.schema, g.text))
                for g in ordered:
                    n = f" (x{g.count})" if g.count > 1 else ""
                    parts.append(f"{g.path}{n}: {g.text} [schema {g.schema}]")
                shown = parts if self.args.verbose else parts[: self.args.max_errors]
                more = len(parts) - len(shown)
                line = f"FAIL {label}: " + "; ".join(shown)
                if more:
                    line += f"; ... and {more} more (use -v)"
                print(line, file=out)
                if self.args.verbose:
                    for g in ordered:
                        print(f"    {g.path}: {g.count} occurrence(s) in {', '.join(g.tags) or 'response'};"
                              f" e.g. {' | '.join(g.examples)}", file=out)
            if self.args.verbose:
                for n in r.notes:
                    print(f"    note: {n}", file=out)
                for loc, n in r.waived.items():
                    print(f"    waived {n} error(s) in {loc} (known spec defect)", file=out)
        print(f"{passed} passed, {failed} failed", file=out)
        return 0 if failed == 0 else 1


# Operations exercised above (used by --check-examples).
OPERATIONS = [
    ("GET", "/me"), ("GET", "/admins"), ("GET", "/admins/{admin_id}"), ("GET", "/teams"),
    ("GET", "/teams/{team_id}"), ("GET", "/tags"), ("GET", "/segments"), ("GET", "/contacts"),
    ("GET", "/contacts/{contact_id}"), ("GET", "/contacts/{contact_id}/tags"),
    ("GET", "/contacts/{contact_id}/companies"), ("GET", "/contacts/{contact_id}/segments"),
    ("GET", "/contacts/{contact_id}/notes"), ("POST", "/contacts/search"), ("GET", "/companies"),
    ("POST", "/companies/list"), ("GET", "/companies/scroll"), ("GET", "/companies/{company_id}"),
    ("GET", "/companies/{company_id}/contacts"), ("GET", "/companies/{company_id}/segments"),
    ("GET", "/conversations"), ("POST", "/conversations/search"),
    ("GET", "/conversations/{conversation_id}"), ("GET", "/conversations/deleted"),
    ("GET", "/data_attributes"), ("GET", "/events"), ("GET", "/articles"), ("POST", "/tickets/search"),
    ("GET", "/tickets/{ticket_id}"), ("GET", "/ticket_types"), ("GET", "/ticket_types/{ticket_type_id}"),
    ("GET", "/ticket_states"),
]


def check_examples(spec: Spec, args, out=sys.stdout) -> int:
    """Validate the spec's own response examples for OPERATIONS against their schemas."""
    ok = bad = 0
    for method, template in OPERATIONS:
        op = spec.operation(method, template)
        for code, resp in op.get("responses", {}).items():
            pointer, _, _ = spec.response_schema_pointer(method, template, int(code))
            if "$ref" in resp:
                resp, _ = spec.resolve_local(resp["$ref"])
            for ct, media in (resp.get("content") or {}).items():
                if pointer is None or not isinstance(media, dict):
                    continue
                for name, ex in (media.get("examples") or {}).items():
                    groups: dict = {}
                    errors = list(spec.validator(pointer).iter_errors(ex.get("value")))
                    group_errors(spec, errors, "", groups)
                    label = f"{method} {template} {code} example {name!r}"
                    if not groups:
                        ok += 1
                        print(f"EXAMPLE-OK {label}", file=out)
                        continue
                    bad += 1
                    parts = [f"{g.path}{f' (x{g.count})' if g.count > 1 else ''}: {g.text} "
                             f"[schema {g.schema}]" for g in groups.values()]
                    shown = parts if args.verbose else parts[: args.max_errors]
                    more = f"; ... and {len(parts) - len(shown)} more" if len(parts) > len(shown) else ""
                    print(f"EXAMPLE-FAIL {label}: " + "; ".join(shown) + more, file=out)
    print(f"{ok} examples conform, {bad} do not", file=out)
    return 0 if bad == 0 else 1


# ---------------------------------------------------------------------- helpers


def q(value: Any) -> str:
    return urllib.parse.quote(str(value), safe="")


def _rel(url: str) -> str:
    p = urllib.parse.urlsplit(url)
    return p.path + (f"?{p.query}" if p.query else "")


def _get(obj: Any, *keys: str) -> Any:
    if isinstance(obj, Response):
        obj = obj.json if obj.json_error is None else None
    for k in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def _list(resp: Any, key: str) -> list:
    value = _get(resp, key)
    return value if isinstance(value, list) else []


def spread(items: list, n: int) -> list:
    """Up to n items spread evenly over the list (always including first and last)."""
    if n <= 0 or not items:
        return []
    if len(items) <= n:
        return list(items)
    if n == 1:
        return [items[0]]
    return dedup([items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)])


def dedup(items: list) -> list:
    seen, out = set(), []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


class Simulator:
    """Launches the simulator binary on port 0 and reads its listening URL."""

    def __init__(self, binary: str, extra: str, timeout: float = 30.0):
        cmd = [binary] + shlex.split(extra)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, bufsize=1)
        self.url = None
        found = threading.Event()

        def pump():
            for line in self.proc.stdout:  # keep draining so the child never blocks
                m = re.search(r"listening on (http://\S+)", line)
                if m and self.url is None:
                    self.url = m.group(1)
                    found.set()
            found.set()

        threading.Thread(target=pump, daemon=True).start()
        if not found.wait(timeout) or self.url is None:
            self.stop()
            raise RuntimeError(f"simulator did not report a listening URL: {' '.join(cmd)}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = ap.add_mutually_exclusive_group(required=True)
    target.add_argument("--base-url", help="base URL of a running simulator, e.g. http://127.0.0.1:8080")
    target.add_argument("--start", metavar="BINARY", help="launch this simulator binary on port 0 and stop it at the end")
    target.add_argument("--check-examples", action="store_true",
                        help="no server: validate the spec's own response examples for the checked "
                             "operations against their schemas (finds spec self-contradictions)")
    ap.add_argument("--start-args", default=DEFAULT_START_ARGS,
                    help=f"arguments for --start (default: {DEFAULT_START_ARGS!r})")
    ap.add_argument("--token", default=os.environ.get("INTERCOM_TOKEN", "simulator-token"),
                    help="bearer token (default: $INTERCOM_TOKEN or 'simulator-token')")
    ap.add_argument("--spec", default=DEFAULT_SPEC, help="OpenAPI YAML (default: %(default)s)")
    ap.add_argument("--samples", type=int, default=3,
                    help="ids to check per detail endpoint, spread over the list (default 3; "
                         "contacts/companies/conversations add a few 'interesting' ones)")
    ap.add_argument("--all-ids", action="store_true",
                    help="check detail endpoints for every contact/company/conversation listed")
    ap.add_argument("--max-errors", type=int, default=4, help="errors shown per FAIL line (default 4)")
    ap.add_argument("--require-all-properties", action="store_true",
                    help="treat every property declared in a schema as required (stricter than the spec)")
    ap.add_argument("--report-undeclared", action="store_true",
                    help="also fail on object members the response schema does not declare "
                         "(allowed by the spec, but usually a naming mismatch)")
    ap.add_argument("--lenient-undeclared-errors", action="store_true",
                    help="PASS an error status the spec does not declare if its body matches "
                         "#/components/schemas/error")
    ap.add_argument("--literal-ref-siblings", action="store_true",
                    help="ignore `nullable: true` written next to a `$ref` (literal OAS 3.0 reading; "
                         "by default it is honoured, as the spec's own examples require)")
    ap.add_argument("--waive-spec-defects", action="store_true",
                    help="do not fail on errors inside schemas listed in KNOWN_SPEC_DEFECTS "
                         "(spec contradicts itself there); counts are shown with -v")
    ap.add_argument("-v", "--verbose", action="store_true", help="show all errors and notes")
    args = ap.parse_args(argv)

    try:
        spec = Spec(args.spec, require_all_properties=args.require_all_properties,
                    literal_ref_siblings=args.literal_ref_siblings)
    except Exception as e:
        print(f"error: cannot load spec {args.spec}: {e}", file=sys.stderr)
        return 2
    if args.check_examples:
        return check_examples(spec, args)

    sim = None
    try:
        if args.start:
            try:
                sim = Simulator(args.start, args.start_args)
            except Exception as e:
                print(f"error: {e}", file=sys.stderr)
                return 2
            base = sim.url
            print(f"# started simulator pid {sim.proc.pid} at {base}", file=sys.stderr)
        else:
            base = args.base_url
        checker = Checker(spec, Client(base, args.token), args)
        t0 = time.time()
        checker.run()
        rc = checker.report()
        print(f"# {sum(r.responses for r in checker.results.values())} responses validated "
              f"in {time.time() - t0:.1f}s", file=sys.stderr)
        return rc
    finally:
        if sim is not None:
            sim.stop()


if __name__ == "__main__":
    sys.exit(main())
