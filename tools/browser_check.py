#!/usr/bin/env python3
"""Loads Intercache's page in headless Chromium and reports what a person's browser saw, as JSON on stdout.

    browser_check.py URL --out DIR [--width 1280] [--key KEY] [--name NAME]

Drives Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: fd 3 in, fd 4 out, messages ended by
NUL), so it needs nothing beyond the standard library and Debian's `chromium`. Reports console errors, uncaught
exceptions, failed or 4xx/5xx requests, the numbers the page shows (elements with data-metric), whether any injected
script ran (window.__pwned), and the screenshot's path. With --key it sends the key by HTTP Basic auth, as a browser
does after the page's challenge.
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import time

PROBE = r"""
(() => {
  const metrics = [...document.querySelectorAll('[data-metric]')].map(e => ({
    metric: e.dataset.metric, id: e.dataset.id || null, value: e.dataset.value || null, text: e.textContent.trim(),
    href: e.getAttribute('href')
  }));
  const hits = [...document.querySelectorAll('.hits li .snippet')].map(e => e.textContent);
  return JSON.stringify({
    title: document.title, lang: document.documentElement.lang, metrics, hits,
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    injected: document.querySelectorAll('main img, main script, main iframe, main [onerror], main [onload]').length,
    width: document.documentElement.scrollWidth, viewport: window.innerWidth,
    text: document.body.innerText.length
  });
})()
"""


class Browser:
    def __init__(self, binary):
        self.to_browser_r, self.to_browser_w = os.pipe()
        self.from_browser_r, self.from_browser_w = os.pipe()
        self.profile = f"/tmp/intercache-chromium-{os.getpid()}"
        command = [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                   "--disable-extensions", "--disable-background-networking", "--remote-debugging-pipe",
                   f"--user-data-dir={self.profile}", "about:blank"]
        # Chromium reads the protocol on fd 3 and writes on fd 4; the shell moves the pipe ends there.
        self.process = subprocess.Popen(
            ["sh", "-c", f'exec "$@" 3<&{self.to_browser_r} 4>&{self.from_browser_w}', "sh"] + command,
            pass_fds=(self.to_browser_r, self.from_browser_w), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(self.to_browser_r)
        os.close(self.from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser_w, json.dumps(message).encode() + b"\0")
        wanted = self.next_id
        while True:
            reply = self.read()
            if reply.get("id") == wanted:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def read(self, deadline=30):
        start = time.time()
        while b"\0" not in self.buffer:
            if time.time() - start > deadline:
                raise TimeoutError("no message from Chromium")
            chunk = os.read(self.from_browser_r, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for(self, method, deadline=30):
        start = time.time()
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while time.time() - start < deadline:
            event = self.read(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event
        raise TimeoutError(method)

    def close(self):
        try:
            os.write(self.to_browser_w, json.dumps({"id": 0, "method": "Browser.close", "params": {}}).encode() + b"\0")
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--out", required=True)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--key")
    parser.add_argument("--name", default="page")
    args = parser.parse_args()
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not binary:
        print(json.dumps({"error": "chromium is not installed (apt-get install chromium)"}))
        return 2
    os.makedirs(args.out, exist_ok=True)
    browser = Browser(binary)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ["Page", "Runtime", "Log", "Network"]:
            browser.send(f"{domain}.enable", {}, session)
        mobile = args.width < 600
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": args.width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile}, session)
        if args.key:
            token = base64.b64encode(f"browser:{args.key}".encode()).decode()
            browser.send("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {token}"}}, session)
        browser.send("Page.navigate", {"url": args.url}, session)
        browser.wait_for("Page.loadEventFired")
        time.sleep(0.5)  # let deferred work (the script's DOMContentLoaded handler, late requests) settle
        probe = json.loads(browser.send("Runtime.evaluate", {"expression": PROBE, "returnByValue": True}, session)["result"]["value"])
        shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session)
        path = os.path.join(args.out, f"{args.name}-{args.width}.png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        # Drain what arrived meanwhile.
        browser.send("Runtime.evaluate", {"expression": "1"}, session)
        errors, failed, statuses = [], [], []
        for event in browser.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                errors.append(params.get("exceptionDetails", {}).get("text", "exception"))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                errors.append(params["entry"].get("text", ""))
            elif method == "Network.loadingFailed":
                failed.append(params.get("errorText", "failed"))
            elif method == "Network.responseReceived":
                response = params.get("response", {})
                statuses.append({"url": response.get("url"), "status": response.get("status")})
                if response.get("status", 0) >= 400:
                    failed.append(f"{response.get('status')} {response.get('url')}")
        print(json.dumps({"console_errors": errors, "failed_requests": failed, "responses": statuses,
                          "screenshot": path, **probe}))
        return 0
    finally:
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
