#!/usr/bin/env python3
"""Run the installed Airbyte Intercom connector (PyPI `airbyte-source-intercom`) against another base URL.

The connector's declarative manifest hard-codes `url_base: https://api.intercom.io/` in
`definitions.requester`; every stream and paginator refers to that one value with a `$ref`.
This wrapper loads the installed package's manifest.yaml, replaces that value in memory and
launches the source with the usual Airbyte CLI (spec / check / discover / read). The installed
package is never modified.

Usage:
  INTERCOM_BASE_URL=http://127.0.0.1:PORT/ python airbyte_intercom_source.py read --config c.json --catalog cat.json
  python airbyte_intercom_source.py --base-url http://127.0.0.1:PORT/ discover --config c.json

Options handled here (before the Airbyte command):
  --base-url URL   where to send API calls (default: $INTERCOM_BASE_URL, else the connector's own).
  --http-log FILE  append one JSON line per HTTP exchange (method, url, body, status, seconds,
                   and the start of the response body for non-2xx answers) to FILE.
  --no-throttle    cap the connector's per-response "rate limiter" sleep at 10 ms. The connector
                   sleeps 0.01 s, 1.5 s, 8 s or 1 s after *every* response depending on the
                   X-RateLimit-Limit / X-RateLimit-Remaining headers; use this only to speed up
                   a run, since it changes the connector's behaviour.
"""
import json
import os
import pkgutil
import sys
from typing import Any, Mapping

import yaml
from airbyte_cdk.entrypoint import launch
from airbyte_cdk.models import ConnectorSpecification
from source_intercom import SourceIntercom


def _pop_option(argv, name, has_value):
    if name not in argv:
        return None
    i = argv.index(name)
    if has_value:
        value = argv[i + 1]
        del argv[i : i + 2]
        return value
    del argv[i]
    return True


class RedirectedSourceIntercom(SourceIntercom):
    """SourceIntercom whose manifest's url_base is rewritten at load time."""

    base_url: str = ""

    def _read_and_parse_yaml_file(self, path_to_yaml_file: str) -> Mapping[str, Any]:
        raw = pkgutil.get_data("source_intercom", path_to_yaml_file)
        manifest = yaml.safe_load(raw.decode())
        if self.base_url:
            url = self.base_url if self.base_url.endswith("/") else self.base_url + "/"
            manifest["definitions"]["requester"]["url_base"] = url
        return manifest

    def spec(self, logger) -> ConnectorSpecification:
        # The spec lives in the installed package as spec.json; the CDK would look in this module's package.
        raw = pkgutil.get_data("source_intercom", "spec.json")
        validate = getattr(ConnectorSpecification, "model_validate", None) or ConnectorSpecification.parse_obj
        return validate(json.loads(raw))


def _install_http_log(path: str) -> None:
    import time

    import requests

    original_send = requests.Session.send
    sink = open(path, "a", buffering=1)

    def send(self, request, **kwargs):
        started = time.monotonic()
        body = request.body.decode(errors="replace") if isinstance(request.body, bytes) else request.body
        entry = {"method": request.method, "url": request.url, "body": body}
        try:
            response = original_send(self, request, **kwargs)
        except Exception as error:  # connection errors, timeouts
            entry.update(error=repr(error), seconds=round(time.monotonic() - started, 3))
            sink.write(json.dumps(entry) + "\n")
            raise
        entry.update(status=response.status_code, seconds=round(time.monotonic() - started, 3),
                     ratelimit=[response.headers.get("X-RateLimit-Limit"), response.headers.get("X-RateLimit-Remaining")])
        if response.status_code >= 300:
            entry["response"] = response.text[:2000]
        sink.write(json.dumps(entry) + "\n")
        return response

    requests.Session.send = send


def main() -> None:
    argv = sys.argv[1:]
    base_url = _pop_option(argv, "--base-url", True) or os.environ.get("INTERCOM_BASE_URL", "")
    if _pop_option(argv, "--no-throttle", False):
        from source_intercom.components import IntercomRateLimiter

        original = IntercomRateLimiter.backoff_time
        IntercomRateLimiter.backoff_time = staticmethod(lambda seconds: original(min(seconds, 0.01)))
    http_log = _pop_option(argv, "--http-log", True) or os.environ.get("INTERCOM_HTTP_LOG")
    if http_log:
        _install_http_log(http_log)
    RedirectedSourceIntercom.base_url = base_url
    launch(RedirectedSourceIntercom(), argv)


if __name__ == "__main__":
    main()
