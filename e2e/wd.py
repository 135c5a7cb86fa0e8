"""A small W3C WebDriver client for tauri-driver: Python standard library only.

One keep-alive `http.client` connection per tauri-driver (never `Connection: close`: with
it, tauri-driver drops requests at random — see shared notes tauri-e2e.md, pitfall 1), a
client timeout on every call (a hung screenshot fails the test instead of blocking it),
and helpers that address elements by their `data-testid` (ui/TESTIDS.md).
"""

import base64
import http.client
import json
import time

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
KEYS = {"enter": "\ue007", "end": "\ue010", "home": "\ue011", "left": "\ue012", "right": "\ue014",
        "backspace": "\ue003", "tab": "\ue004", "escape": "\ue00c",
        # Modifiers stay down until "null" (W3C WebDriver, Element Send Keys).
        "ctrl": "\ue009", "null": "\ue000"}

#: Default client timeout of one WebDriver call, seconds.
CALL_TIMEOUT = 30


class WebDriverError(RuntimeError):
    pass


class Driver:
    """One tauri-driver, reached over one kept-open connection."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CALL_TIMEOUT)

    def call(self, method, path, body=None, timeout=CALL_TIMEOUT):
        self.conn.timeout = timeout
        if self.conn.sock:
            self.conn.sock.settimeout(timeout)
        try:
            self.conn.request(method, path, None if body is None else json.dumps(body),
                              {"Content-Type": "application/json"})
            resp = self.conn.getresponse()
            data = json.loads(resp.read() or b"{}")
        except Exception:
            self.conn.close()  # reconnects on the next call
            raise
        if resp.status >= 400:
            raise WebDriverError(f"{method} {path}: {resp.status} {json.dumps(data)[:600]}")
        return data.get("value")

    def wait_ready(self, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.call("GET", "/status", timeout=2)
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def session(self, application, args=()):
        caps = {"capabilities": {"alwaysMatch": {"tauri:options": {"application": application, "args": list(args)}}}}
        sid = self.call("POST", "/session", caps, timeout=60)["sessionId"]
        return Session(self, sid)


class Session:
    """One running app instance."""

    def __init__(self, driver, sid):
        self.d = driver
        self.base = f"/session/{sid}"

    # ---- plumbing ----
    def call(self, method, path="", body=None, timeout=CALL_TIMEOUT):
        return self.d.call(method, self.base + path, body, timeout)

    def close(self):
        self.call("DELETE", timeout=20)

    def js(self, script, *args):
        return self.call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def js_async(self, script, *args, timeout=CALL_TIMEOUT):
        return self.call("POST", "/execute/async", {"script": script, "args": list(args)}, timeout=timeout)

    # ---- elements ----
    def find(self, css, within=None):
        path = f"/element/{within}/element" if within else "/element"
        return self.call("POST", path, {"using": "css selector", "value": css})[ELEMENT]

    def find_all(self, css):
        return [e[ELEMENT] for e in self.call("POST", "/elements", {"using": "css selector", "value": css})]

    def tid(self, testid, within=None):
        return self.find(f'[data-testid="{testid}"]', within)

    def wait(self, what, predicate, timeout=15, interval=0.05):
        """Polls `predicate()` until it returns something truthy; WebDriver errors count as
        "not yet". Fails with `what` and the last error after `timeout` seconds."""
        deadline, last = time.monotonic() + timeout, None
        while True:
            try:
                v = predicate()
                if v:
                    return v
            except (WebDriverError, KeyError) as e:
                last = e
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last})" if last else ""))
            time.sleep(interval)

    def wait_tid(self, testid, timeout=15):
        return self.wait(f'[data-testid="{testid}"]', lambda: self.tid(testid), timeout)

    def click(self, el):
        self.call("POST", f"/element/{el}/click", {})

    def click_tid(self, testid, timeout=15):
        self.click(self.wait_tid(testid, timeout))

    def type(self, el, text):
        self.call("POST", f"/element/{el}/value", {"text": text})

    def clear(self, el):
        self.call("POST", f"/element/{el}/clear", {})

    def text(self, el):
        return self.call("GET", f"/element/{el}/text")

    def attr(self, el, name):
        return self.call("GET", f"/element/{el}/attribute/{name}")

    def prop(self, el, name):
        return self.call("GET", f"/element/{el}/property/{name}")

    def select(self, testid, value):
        """Chooses an option of a <select> by clicking it, as a person would."""
        self.click(self.wait_tid(testid))
        self.click(self.find(f'[data-testid="{testid}"] option[value="{value}"]'))

    def set_input(self, testid, value):
        """Sets an input WebKit cannot type into (a date picker): value + input event."""
        el = self.wait_tid(testid)
        self.js("const e = arguments[0]; e.value = arguments[1];"
                "e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));",
                {ELEMENT: el}, value)

    # ---- pictures ----
    def frames(self, n=2):
        """Waits for WebKit to paint (pitfall 2: otherwise a screenshot can be a frame late)."""
        self.js_async("const done = arguments[arguments.length - 1];"
                      + "requestAnimationFrame(() => " * n + "done(true)" + ")" * n + ";", timeout=20)

    def screenshot(self, path):
        self.frames(2)
        png = base64.b64decode(self.call("GET", "/screenshot", timeout=30))
        with open(path, "wb") as f:
            f.write(png)
        return path
