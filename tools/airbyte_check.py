#!/usr/bin/env python3
"""Judge the Intercom simulator with a third-party client: the Airbyte Intercom connector.

Runs `discover`, then a full-refresh `read` of every stream through tools/airbyte_intercom_source.py
(the PyPI `airbyte-source-intercom` package with its url_base pointed at the simulator), counts the
RECORD messages per stream and compares them with GET /_simulator/truth.

Needs only the standard library (run it with the venv's python to also check every record against the
stream's discovered JSON schema with jsonschema); the connector runs in the virtualenv given by --python.
Exit status: 0 when every stream that has a ground-truth number completes and matches, 1 otherwise
(with --strict, also when the connector fails on a stream without ground truth), 2 on setup errors.

  python3 tools/airbyte_check.py --base-url http://127.0.0.1:PORT [--no-throttle] [--workdir DIR]
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PYTHON = os.path.join(os.path.dirname(HERE), ".venv-airbyte", "bin", "python")
SOURCE = os.path.join(HERE, "airbyte_intercom_source.py")
PART_CAP = 500  # GET /conversations/{id} returns at most the 500 most recent parts


def truth_number(truth, stream):
    """The ground-truth count a stream should equal, with the truth key it came from; None if there is none."""
    simple = {
        "admins": ("admins",), "teams": ("teams",), "tags": ("tags",), "segments": ("segments",),
        "contacts": ("contacts", "total"), "companies": ("companies", "total"),
        "conversations": ("conversations", "total"), "conversation_parts": ("conversation_parts",),
        "company_attributes": ("data_attributes", "company"), "contact_attributes": ("data_attributes", "contact"),
        # POST /tickets/search: upstream connectors have this stream; no PyPI release (0.8.3 and older) does.
        "tickets": ("tickets", "total"),
    }
    if stream in simple:
        value = truth
        for key in simple[stream]:
            if not isinstance(value, dict) or key not in value:
                return None, ".".join(simple[stream])
            value = value[key]
        return value, ".".join(simple[stream])
    if stream == "company_segments":  # one record per (company, segment) membership
        per_segment = truth.get("companies_per_segment")
        return (sum(per_segment.values()) if per_segment is not None else None), "sum(companies_per_segment)"
    return None, "-"


def http_json(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def run_connector(args, command, extra, stdout_path, stderr_path):
    cmd = [args.python, SOURCE, "--base-url", args.base_url]
    if args.no_throttle:
        cmd.append("--no-throttle")
    if args.http_log:
        cmd += ["--http-log", args.http_log]
    cmd += [command] + extra
    with open(stdout_path, "w") as out, open(stderr_path, "w") as err:
        return subprocess.run(cmd, stdout=out, stderr=err).returncode


def messages(path):
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue


def summarize_http_log(path, limit_samples=3):
    """Requests per (method, path template) and status, plus a few failing exchanges."""
    by_endpoint = collections.Counter()
    failures = collections.defaultdict(list)
    for entry in messages(path):
        parts = urllib.parse.urlsplit(entry["url"]).path.strip("/").split("/")
        template = "/" + "/".join("{id}" if p and (p.isdigit() or len(p) >= 16) else p for p in parts)
        status = entry.get("status", entry.get("error", "?"))
        by_endpoint[(entry["method"], template, status)] += 1
        if entry.get("error") or entry.get("status", 200) >= 300:
            key = (entry["method"], template, status)
            if len(failures[key]) < limit_samples:
                failures[key].append(entry)
    return by_endpoint, failures


def load_validators(streams):
    """Draft-7 validators for each stream's discovered schema, when jsonschema is importable (it is in the venv)."""
    try:
        import jsonschema
    except ImportError:
        return {}
    return {s["name"]: jsonschema.Draft7Validator(s["json_schema"]) for s in streams}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True, help="simulator base URL, e.g. http://127.0.0.1:8090")
    parser.add_argument("--python", default=DEFAULT_PYTHON, help="python of the virtualenv with airbyte-source-intercom")
    parser.add_argument("--workdir", help="where config, catalog and connector output go (default: a temp dir)")
    parser.add_argument("--start-date", default="2015-01-01T00:00:00Z")
    parser.add_argument("--token", default="simulator-token")
    parser.add_argument("--streams", help="comma-separated subset of streams to read (default: all)")
    parser.add_argument("--no-throttle", action="store_true",
                        help="cap the connector's per-response rate-limiter sleep at 10 ms (faster, less faithful)")
    parser.add_argument("--allow-part-cap", action="store_true",
                        help="accept conversation_parts short of the truth by exactly the parts beyond the "
                             f"{PART_CAP}-part cap of GET /conversations/{{id}} (computed from total_count)")
    parser.add_argument("--strict", action="store_true",
                        help="also fail when the connector exits non-zero because of a stream without ground truth")
    args = parser.parse_args()
    args.base_url = args.base_url.rstrip("/")

    if not os.path.exists(args.python):
        print(f"no connector virtualenv python at {args.python}", file=sys.stderr)
        return 2
    workdir = args.workdir or tempfile.mkdtemp(prefix="airbyte-check-")
    os.makedirs(workdir, exist_ok=True)
    args.http_log = os.path.join(workdir, "http.jsonl")
    if os.path.exists(args.http_log):
        os.remove(args.http_log)
    config_path = os.path.join(workdir, "config.json")
    catalog_path = os.path.join(workdir, "configured_catalog.json")
    with open(config_path, "w") as f:
        json.dump({"access_token": args.token, "start_date": args.start_date}, f)

    version = subprocess.run([args.python, "-m", "pip", "show", "airbyte-source-intercom", "airbyte-cdk"],
                             capture_output=True, text=True).stdout
    versions = dict(
        (name, ver) for name, ver in zip(
            [l.split(": ", 1)[1] for l in version.splitlines() if l.startswith("Name: ")],
            [l.split(": ", 1)[1] for l in version.splitlines() if l.startswith("Version: ")]))
    print(f"connector: airbyte-source-intercom {versions.get('airbyte-source-intercom', '?')} "
          f"(airbyte-cdk {versions.get('airbyte-cdk', '?')}); simulator {args.base_url}; workdir {workdir}")

    # discover
    started = time.monotonic()
    rc = run_connector(args, "discover", ["--config", config_path],
                       os.path.join(workdir, "discover.jsonl"), os.path.join(workdir, "discover.stderr"))
    catalog = next((m["catalog"] for m in messages(os.path.join(workdir, "discover.jsonl")) if m.get("type") == "CATALOG"), None)
    if rc != 0 or catalog is None:
        print(f"discover failed (exit {rc}); see {workdir}/discover.jsonl and discover.stderr", file=sys.stderr)
        return 2
    wanted = set(args.streams.split(",")) if args.streams else None
    streams = [s for s in catalog["streams"] if wanted is None or s["name"] in wanted]
    configured = {"streams": [{"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
                              for s in streams]}
    with open(catalog_path, "w") as f:
        json.dump(configured, f)
    print(f"discover: {len(catalog['streams'])} streams in {time.monotonic() - started:.1f}s: "
          + ", ".join(s["name"] for s in catalog["streams"]))

    truth_before = http_json(args.base_url + "/_simulator/truth")
    counters_before = http_json(args.base_url + "/_simulator/counters")

    # read
    started = time.monotonic()
    read_out = os.path.join(workdir, "read.jsonl")
    rc = run_connector(args, "read", ["--config", config_path, "--catalog", catalog_path],
                       read_out, os.path.join(workdir, "read.stderr"))
    elapsed = time.monotonic() - started

    validators = load_validators(streams)
    invalid = collections.Counter()
    invalid_samples = collections.defaultdict(collections.Counter)
    invalid_examples = {}
    records = collections.Counter()
    keys = collections.defaultdict(set)
    parts_per_conversation = collections.Counter()
    status = {}
    started_at, ended_at = {}, {}
    errors, warnings = [], []
    for m in messages(read_out):
        kind = m.get("type")
        if kind == "RECORD":
            rec = m["record"]
            name = rec["stream"]
            records[name] += 1
            data = rec.get("data", {})
            keys[name].add(json.dumps(data.get("id", data.get("name")), sort_keys=True))
            if name in validators:
                for error in validators[name].iter_errors(data):
                    invalid[name] += 1
                    where = "/".join(str(p) for p in error.absolute_path) or "(record)"
                    if error.validator == "type":
                        key = (f"{where}: got {type(error.instance).__name__}, "
                               f"schema type={json.dumps(error.validator_value)}")
                    else:
                        key = f"{where}: {error.message[:160]}"
                    invalid_samples[name][key] += 1
                    invalid_examples.setdefault((name, key), json.dumps(error.instance)[:120])
            if name == "conversation_parts":
                parts_per_conversation[data.get("conversation_id")] += 1
        elif kind == "TRACE":
            trace = m["trace"]
            if trace.get("type") == "STREAM_STATUS":
                ss = trace["stream_status"]
                name = ss["stream_descriptor"]["name"]
                status[name] = ss["status"]
                if ss["status"] == "STARTED":
                    started_at[name] = trace["emitted_at"]
                elif ss["status"] in ("COMPLETE", "INCOMPLETE"):
                    ended_at[name] = trace["emitted_at"]
            elif trace.get("type") == "ERROR":
                err = trace["error"]
                errors.append(((err.get("stream_descriptor") or {}).get("name"), err.get("message"),
                               err.get("internal_message"), err.get("failure_type")))
        elif kind == "LOG" and m["log"]["level"] in ("WARN", "ERROR", "FATAL"):
            first_line = (m["log"]["message"] or "").strip().splitlines()[0][:300] if m["log"]["message"] else ""
            warnings.append(f"{m['log']['level']}: {first_line}")

    truth = http_json(args.base_url + "/_simulator/truth")
    counters = http_json(args.base_url + "/_simulator/counters")
    if truth.get("version") != truth_before.get("version"):
        print("warning: the workspace changed during the read (truth version "
              f"{truth_before.get('version')} -> {truth.get('version')})")

    # parts beyond the per-conversation cap, from total_count of the conversations read at the cap
    capped = [cid for cid, n in parts_per_conversation.items() if n >= PART_CAP]
    overflow = 0
    for cid in capped:
        req = urllib.request.Request(f"{args.base_url}/conversations/{cid}",
                                     headers={"Authorization": f"Bearer {args.token}", "Accept": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as response:
            total = json.loads(response.read()).get("conversation_parts", {}).get("total_count", PART_CAP)
        overflow += max(0, total - parts_per_conversation[cid])

    print(f"read: exit {rc}, {elapsed:.1f}s, {sum(records.values())} records, "
          f"{counters['calls'] - counters_before['calls']} API calls to the simulator")
    header = f"{'stream':<20} {'records':>8} {'distinct':>8} {'truth':>8}  {'truth key':<26} {'result':<9} {'secs':>7} {'status':<10} note"
    print(header)
    print("-" * len(header))
    failed = False
    for s in streams:
        name = s["name"]
        n = records.get(name, 0)
        expected, key = truth_number(truth, name)
        secs = (ended_at[name] - started_at[name]) / 1000 if name in ended_at and name in started_at else None
        note = ""
        if expected is None:
            result = "NO-TRUTH"
        elif n == expected:
            result = "MATCH"
        elif name == "conversation_parts" and args.allow_part_cap and overflow and n == expected - overflow:
            result = "MATCH*"
            note = f"short by {overflow} parts beyond the {PART_CAP}-part cap (allowed)"
        else:
            result = "MISMATCH"
            failed = True
            note = f"diff {n - expected:+d}"
        if expected is not None and status.get(name) != "COMPLETE":
            failed = True
            note += f"; stream did not complete ({status.get(name, 'never started')})"
        if name == "conversation_parts" and capped:
            note += (f"; {len(capped)} conversation(s) read at the {PART_CAP}-part cap, {overflow} parts beyond it"
                     f" (truth truncated_conversations={truth.get('truncated_conversations')})")
        if len(keys[name]) != n:
            note += f"; {n - len(keys[name])} repeated id(s)"
            if name == "company_segments":
                note += " (expected: a segment is listed once per company in it)"
        print(f"{name:<20} {n:>8} {len(keys[name]):>8} {'-' if expected is None else expected:>8}  {key:<26} "
              f"{result:<9} {'-' if secs is None else f'{secs:.1f}':>7} {status.get(name, '-'):<10} {note.lstrip('; ')}")

    if errors:
        print("\nconnector errors (TRACE ERROR):")
        for stream, message, internal, failure_type in errors:
            print(f"  [{stream}] {failure_type}: {message}\n      {str(internal)[:600]}")
    if validators:
        print(f"\nrecords checked against the connector's discovered JSON schemas: "
              + (f"{sum(invalid.values())} violation(s)" if invalid else "no violations"))
        for name, samples in invalid_samples.items():
            print(f"  {name}: {invalid[name]} violation(s); most common:")
            for text, count in samples.most_common(5):
                print(f"    {count:>6}x {text}  e.g. {invalid_examples[(name, text)]}")
    else:
        print("\n(jsonschema not importable: records were not checked against the discovered schemas)")
    if warnings:
        print(f"\nconnector WARN/ERROR logs ({len(warnings)}; first 10):")
        for w in warnings[:10]:
            print("  " + w)

    by_endpoint, failures = summarize_http_log(args.http_log)
    print("\nHTTP exchanges made by the connector (discover + read):")
    for (method, template, code), count in sorted(by_endpoint.items(), key=lambda kv: (kv[0][1], kv[0][0], str(kv[0][2]))):
        print(f"  {count:>6}  {method:<5} {template:<40} {code}")
    for (method, template, code), samples in failures.items():
        print(f"\n  failing {method} {template} -> {code}, e.g.:")
        for e in samples:
            print(f"    {e['method']} {e['url']} body={str(e.get('body'))[:300]}")
            print(f"      -> {e.get('status', e.get('error'))} {str(e.get('response', ''))[:500]}")

    print(f"\nconnector output kept in {workdir} (read.jsonl, read.stderr, http.jsonl)")
    if rc != 0:
        errored = sorted({stream for stream, *_ in errors if stream})
        print(f"connector read exited {rc} (streams with errors: {', '.join(errored) or 'none named'})")
        if args.strict or any(truth_number(truth, name)[0] is not None for name in errored):
            failed = True
    print("RESULT: " + ("MISMATCH" if failed else "ALL MATCH"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
