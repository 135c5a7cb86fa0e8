"""Runs end-to-end tests of the real app: one tauri-driver (own ports, own profile) per app
instance, every test inside the one Xvfb display that `xvfb-run -a` gives this process.

    xvfb-run -a -s "-screen 0 1280x1024x24" python3 e2e/run.py [single] [collab]
"""

import os
import shutil
import subprocess
import time
import traceback

from wd import Driver

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "target", "e2e")
TARGET = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
APP = os.environ.get("APP_BIN") or os.path.join(TARGET, "debug", "accord-desktop")


class Instance:
    """One app instance: a tauri-driver on its own ports with its own profile directories
    (the Accord profile via ACCORD_DATA_DIR, WebKit's storage via XDG_*)."""

    def __init__(self, test, name, port):
        self.name, self.port = f"{test}-{name}", port
        self.profile = os.path.join(OUT, "profiles", self.name)
        shutil.rmtree(self.profile, ignore_errors=True)
        os.makedirs(self.profile)
        env = dict(os.environ,
                   ACCORD_DATA_DIR=os.path.join(self.profile, "accord"),
                   XDG_DATA_HOME=os.path.join(self.profile, "data"),
                   XDG_CONFIG_HOME=os.path.join(self.profile, "config"),
                   XDG_CACHE_HOME=os.path.join(self.profile, "cache"),
                   # Loopback only: tests never send mDNS multicast nor contact relays.
                   ACCORD_NET="loopback",
                   ACCORD_EXPORT_DIR=os.path.join(self.profile, "exports"),
                   ACCORD_LOG=os.environ.get("ACCORD_LOG", "warn,accord_desktop=info"))
        # Never these two under WebDriver: screenshots would hang (tauri-e2e.md, pitfall 3).
        env.pop("WEBKIT_DISABLE_DMABUF_RENDERER", None)
        env.pop("WEBKIT_DISABLE_COMPOSITING_MODE", None)
        self.log_path = os.path.join(OUT, "logs", f"{self.name}.log")
        self.log = open(self.log_path, "wb")
        # Distinct --native-port per driver (pitfall 4: a shared one silently crosses over).
        self.proc = subprocess.Popen(["tauri-driver", "--port", str(port), "--native-port", str(port + 1)],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.driver = Driver(port)
        self.driver.wait_ready()
        self.session = self.driver.session(APP)

    def stop(self):
        try:
            if self.session:
                self.session.close()  # pitfall 5: without it the app outlives its driver
        except Exception as e:
            print(f"    ({self.name}: DELETE /session failed: {e})")
        finally:
            self.session = None
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.log.close()


class Context:
    """What a test gets: `ctx.app("A")` starts an instance, `ctx.step(..)` logs progress,
    `ctx.shot(session, name)` saves target/e2e/<name>.png."""

    _next_port = 4444

    def __init__(self, test):
        self.test, self.instances, self.t0 = test, [], time.monotonic()

    def app(self, name):
        port = Context._next_port
        Context._next_port += 2
        inst = Instance(self.test, name, port)
        self.instances.append(inst)
        return inst.session

    def step(self, what):
        print(f"    {time.monotonic() - self.t0:6.1f}s  {what}", flush=True)

    def shot(self, session, name):
        path = session.screenshot(os.path.join(OUT, f"{name}.png"))
        self.step(f"screenshot {os.path.relpath(path, ROOT)}")

    def close(self, failed):
        for inst in self.instances:
            if failed and inst.session:
                try:
                    inst.session.screenshot(os.path.join(OUT, "failures", f"{inst.name}.png"))
                except Exception:
                    pass
            inst.stop()


def run_tests(tests):
    """Runs `(name, fn)` pairs; returns the number that failed."""
    if not os.environ.get("DISPLAY"):
        raise SystemExit("e2e: no DISPLAY; run inside `xvfb-run -a` (make e2e does)")
    if not os.access(APP, os.X_OK):
        raise SystemExit(f"e2e: no app binary at {APP}; build it first (cargo build -p accord-desktop)")
    if not shutil.which("tauri-driver") or not shutil.which("WebKitWebDriver"):
        raise SystemExit("e2e: tauri-driver and WebKitWebDriver must be on PATH (make e2e installs them)")
    for d in ("logs", "failures", "profiles"):
        shutil.rmtree(os.path.join(OUT, d), ignore_errors=True)
        os.makedirs(os.path.join(OUT, d))
    failed = []
    for name, fn in tests:
        print(f"e2e {name} ...", flush=True)
        ctx, t0, ok = Context(name), time.monotonic(), False
        try:
            fn(ctx)
            ok = True
        except BaseException:
            traceback.print_exc()
        finally:
            ctx.close(failed=not ok)
        print(f"e2e {name} {'ok' if ok else 'FAILED'} ({time.monotonic() - t0:.1f}s)", flush=True)
        if not ok:
            failed.append(name)
    print(f"\ne2e: {len(tests) - len(failed)} passed, {len(failed)} failed" + (f": {', '.join(failed)}" if failed else ""))
    if failed:
        print(f"e2e: logs in {os.path.relpath(os.path.join(OUT, 'logs'), ROOT)}, last screens in "
              f"{os.path.relpath(os.path.join(OUT, 'failures'), ROOT)}")
    return len(failed)
