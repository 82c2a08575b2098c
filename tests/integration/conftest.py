"""Fixtures for fastinit's integration tests.

Every test boots its own manager as PID 1 of a fresh PID namespace:

    unshare --pid --fork --mount-proc $FASTINIT_BIN --units UNITDIR --runtime-dir RTDIR

The `fastinit` fixture is a factory: `ns = fastinit.boot({"name": "toml text", ...})`
writes the units, starts the namespace, waits for RTDIR/boot.json and returns
a `Namespace` with helpers (client verbs, timeline, ns-init pid, orderly stop).
Whatever happens in the test, teardown kills every namespace it started
(SIGKILL to the namespace's init takes every process in it along) and checks
that nothing is left. When a test fails, each manager's log (its stderr, which
is also where services write by default) is attached to the report.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import textwrap
import time

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEMO_UNITS = os.path.join(REPO, "units", "demo")

BOOT_TIMEOUT = 20.0  # seconds; a sanity bound, not a goal (ASan builds are slow)
STOP_TIMEOUT = 20.0
CLIENT_TIMEOUT = 20.0


def _fastinit_bin():
    path = os.environ.get("FASTINIT_BIN")
    if not path:
        pytest.fail(
            "FASTINIT_BIN is not set: point it at the fastinit binary to test, e.g.\n"
            "  FASTINIT_BIN=$PWD/build/cli/fastinit python3 -m pytest tests/integration",
            pytrace=False,
        )
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"FASTINIT_BIN={path} is not an executable file", pytrace=False)
    return os.path.abspath(path)


def pytest_configure(config):
    if not os.environ.get("FASTINIT_BIN"):
        raise pytest.UsageError(
            "FASTINIT_BIN is not set: the integration tests need the fastinit binary to test, "
            "e.g.\n  FASTINIT_BIN=$PWD/build/cli/fastinit python3 -m pytest tests/integration")


@pytest.fixture(scope="session")
def fastinit_bin():
    if os.geteuid() != 0:
        pytest.fail("the integration tests need root (PID namespaces, setpriv, nsenter)",
                    pytrace=False)
    return _fastinit_bin()


@pytest.fixture(scope="session")
def notify_daemon(fastinit_bin):
    """tests/helpers/notify_daemon.c, built next to the binary under test."""
    path = os.path.normpath(
        os.path.join(os.path.dirname(fastinit_bin), "..", "tests", "notify-daemon"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: build it with `ninja -C BUILDDIR tests/notify-daemon`",
                    pytrace=False)
    return path


def wait_until(predicate, timeout, what, interval=0.02, on_timeout=None):
    """Polls predicate() until it returns something truthy; fails after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            extra = on_timeout() if on_timeout else ""
            pytest.fail(f"timed out after {timeout:.1f}s waiting for {what}{extra}",
                        pytrace=False)
        time.sleep(interval)


def read_proc(pid, name):
    try:
        with open(f"/proc/{pid}/{name}", "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return None


def proc_state(pid):
    """The one-letter state from /proc/PID/stat (R, S, Z, ...), or None."""
    stat = read_proc(pid, "stat")
    if stat is None:
        return None
    return stat[stat.rindex(")") + 2]


def pid_namespace_of(pid):
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def processes_in_namespace(ns_link):
    """Host pids of every process whose PID namespace is `ns_link`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and pid_namespace_of(int(entry)) == ns_link:
            found.append(int(entry))
    return found


def cgroup2_mount():
    """The host's cgroup2 hierarchy (/sys/fs/cgroup or, on a hybrid host,
    /sys/fs/cgroup/unified), or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            dash = fields.index("-")
            if fields[dash + 1] == "cgroup2":
                return fields[4]
    return None


def remove_cgroup_tree(path, timeout=10.0):
    """Kills whatever is left in a test's cgroup and removes it, deepest
    first. Returns a list of problems."""
    if not os.path.isdir(path):
        return []
    kill = os.path.join(path, "cgroup.kill")
    if os.path.exists(kill):
        with open(kill, "w") as f:
            f.write("1")
    deadline = time.monotonic() + timeout
    while True:
        left = []
        for root, dirs, _ in os.walk(path, topdown=False):
            for d in dirs:
                try:
                    os.rmdir(os.path.join(root, d))
                except OSError:
                    left.append(os.path.join(root, d))
        try:
            os.rmdir(path)
        except OSError:
            left.append(path)
        if not left or time.monotonic() > deadline:
            return [f"cgroups left: {left}"] if left else []
        time.sleep(0.05)


class Namespace:
    """One fastinit manager running as PID 1 of its own PID namespace.

    Each is started in a fresh cgroup of the host's cgroup2 hierarchy (when
    there is one), `self.cgroup`, so its manager puts its services' cgroups
    there (and leaves the host's alone); teardown removes it."""

    def __init__(self, fastinit_bin, base_dir, name):
        self.bin = fastinit_bin
        self.name = name
        self.dir = os.path.join(base_dir, name)
        self.unit_dir = os.path.join(self.dir, "units")
        self.runtime_dir = os.path.join(self.dir, "rt")
        self.work_dir = os.path.join(self.dir, "work")  # for files units write
        self.log_path = os.path.join(self.dir, "manager.log")
        for d in (self.dir, self.unit_dir, self.runtime_dir, self.work_dir):
            os.makedirs(d, exist_ok=True)
            os.chmod(d, 0o755)  # the non-root tests need to reach the socket
        os.chmod(self.work_dir, 0o777)
        self.proc = None  # the `unshare` process
        self.init_pid = None  # host pid of the namespace's PID 1 (fastinit)
        self.pid_ns = None  # readlink /proc/<init>/ns/pid
        self.cgroup = None  # the namespace's own cgroup, made by start()
        self.socket_path = os.path.join(self.runtime_dir, "private")
        self.timeline_path = os.path.join(self.runtime_dir, "boot.json")

    def set_runtime_dir(self, path):
        """Where the manager keeps its sockets and boot.json, as this host
        sees it (a directory in another root, say)."""
        self.runtime_dir = path
        self.socket_path = os.path.join(path, "private")
        self.timeline_path = os.path.join(path, "boot.json")

    # ---- files --------------------------------------------------------------

    def write_units(self, units):
        for unit_name, text in units.items():
            file_name = unit_name if unit_name.endswith(".toml") else unit_name + ".toml"
            with open(os.path.join(self.unit_dir, file_name), "w") as f:
                f.write(textwrap.dedent(text).lstrip("\n"))

    def work(self, *parts):
        return os.path.join(self.work_dir, *parts)

    def read_log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return "(no manager log)"

    def _log_suffix(self):
        # The whole log is attached to the failure report (see
        # pytest_runtest_makereport); its tail goes into the message.
        tail = self.read_log().splitlines()[-15:]
        return (f"\n--- last lines of the {self.name} manager log ---\n" + "\n".join(tail))

    def fail(self, message):
        pytest.fail(message + self._log_suffix(), pytrace=False)

    # ---- lifecycle ----------------------------------------------------------

    def start(self, target=None, unit_dir=None, wait=True, extra_args=(), preexec=None,
              command=None):
        """`command`: the whole command line instead (a manager installed
        in another root, say); it must make the manager PID 1 of a new PID
        namespace, and serve self.runtime_dir."""
        argv = ["unshare", "--pid", "--fork", "--mount-proc", self.bin,
                "--units", unit_dir or self.unit_dir, "--runtime-dir", self.runtime_dir]
        if target:
            argv += ["--target", target]
        argv += list(extra_args)
        if command:
            argv = list(command)
        mount = cgroup2_mount()
        if mount and self.cgroup is None:
            self.cgroup = os.path.join(
                mount, f"{os.path.basename(os.path.dirname(self.dir))}-{self.name}")
            os.makedirs(self.cgroup, exist_ok=True)
        procs = os.path.join(self.cgroup, "cgroup.procs") if self.cgroup else None

        def enter():
            if procs:
                with open(procs, "w") as f:
                    f.write("0")
            if preexec:
                preexec()
        log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=enter)
        finally:
            log.close()
        self.init_pid = wait_until(self._find_init, BOOT_TIMEOUT, "the namespace's init",
                                   interval=0.005, on_timeout=self._log_suffix)
        self.pid_ns = wait_until(lambda: self._init_namespace(), BOOT_TIMEOUT,
                                 "the namespace's init to enter its PID namespace",
                                 interval=0.005, on_timeout=self._log_suffix)
        if wait:
            self.wait_boot()
        else:
            self.wait_socket()
        return self

    def wait_socket(self, timeout=BOOT_TIMEOUT):
        """Waits until the manager listens on its control socket."""
        def ready():
            if self.proc.poll() is not None:
                self.fail(f"the namespace ended (unshare exited with {self.proc.returncode}) "
                          "before the control socket appeared")
            # The socket exists from bind(); a real client call proves that
            # the manager listens and answers.
            return os.path.exists(self.socket_path) and self.ctl("status").returncode == 0
        wait_until(ready, timeout, f"{self.socket_path} to answer", interval=0.05,
                   on_timeout=self._log_suffix)

    def _find_init(self):
        if self.proc.poll() is not None:
            self.fail(f"unshare exited with {self.proc.returncode} before the manager ran")
        text = read_proc(self.proc.pid, f"task/{self.proc.pid}/children")
        if not text or not text.split():
            return None
        return int(text.split()[0])

    def _init_namespace(self):
        link = pid_namespace_of(self.init_pid)
        if link is None:
            self.fail("the namespace's init vanished")
        if link == pid_namespace_of(os.getpid()):
            return None  # not (yet) in a namespace of its own
        return link

    def wait_boot(self, timeout=BOOT_TIMEOUT):
        """Waits until the manager has written boot.json; returns it."""
        def ready():
            if self.proc.poll() is not None:
                self.fail(f"the namespace ended (unshare exited with {self.proc.returncode}) "
                          "before boot.json was written")
            return os.path.exists(self.timeline_path)
        wait_until(ready, timeout, f"{self.timeline_path}", on_timeout=self._log_suffix)
        return self.timeline()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM to the namespace's init (orderly shutdown); waits until the
        namespace has ended, i.e. `unshare` exited. Returns the seconds taken."""
        assert self.alive(), "the namespace is not running"
        begin = time.monotonic()
        os.kill(self.init_pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail(f"the namespace did not end within {timeout}s of SIGTERM")
        return time.monotonic() - begin

    def wait_ended(self, timeout=STOP_TIMEOUT):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail(f"the namespace did not end within {timeout}s")

    def kill(self):
        """Teardown: ends the namespace by force. Returns a list of problems."""
        problems = []
        if self.proc is None:
            return problems
        if self.proc.poll() is None:
            init = self.init_pid
            if init is None:  # failed before we learnt it
                text = read_proc(self.proc.pid, f"task/{self.proc.pid}/children") or ""
                init = int(text.split()[0]) if text.split() else None
            # SIGKILL to a PID namespace's init kills every process in it.
            if init and f"PPid:\t{self.proc.pid}\n" in (read_proc(init, "status") or ""):
                try:
                    os.kill(init, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            elif init is None:
                # unshare has not forked yet, or is alone: its process group
                # (it started a new session) is all there is.
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            problems.append(f"{self.name}: unshare (pid {self.proc.pid}) did not exit; killed it")
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        if self.pid_ns:
            deadline = time.monotonic() + 10
            left = processes_in_namespace(self.pid_ns)
            while left and time.monotonic() < deadline:
                time.sleep(0.05)
                left = processes_in_namespace(self.pid_ns)
            if left:
                problems.append(f"{self.name}: processes left in the namespace: {left}")
        if self.cgroup:
            problems += [f"{self.name}: {p}" for p in remove_cgroup_tree(self.cgroup)]
        return problems

    # ---- the client -----------------------------------------------------------

    def ctl(self, *args, user=None, timeout=CLIENT_TIMEOUT, runtime_dir=None):
        """Runs `fastinit --runtime-dir RTDIR ARGS...` (as `user` via setpriv)."""
        argv = [self.bin, "--runtime-dir", runtime_dir or self.runtime_dir, *args]
        if user:
            argv = ["setpriv", "--reuid", user, "--regid", "nogroup", "--clear-groups"] + argv
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)

    def ctl_ok(self, *args, **kwargs):
        r = self.ctl(*args, **kwargs)
        if r.returncode != 0:
            self.fail(f"fastinit {' '.join(args)} exited with {r.returncode}\n"
                      f"stdout: {r.stdout}\nstderr: {r.stderr}")
        return r

    def unit_status(self, name):
        """`fastinit status NAME` as a dict: State, Result, PID, Status, ..."""
        r = self.ctl("status", name)
        if r.returncode not in (0, 3):
            self.fail(f"fastinit status {name} exited with {r.returncode}: {r.stderr}")
        lines = r.stdout.splitlines()
        info = {"header": lines[0] if lines else "", "rc": r.returncode}
        for line in lines[1:]:
            key, sep, value = line.strip().partition(":")
            if sep:
                info[key.strip()] = value.strip()
        state, _, result = info.get("State", "").partition(" ")
        info["state"] = state
        info["result"] = result.strip("()")
        info["pid"] = int(info["PID"]) if "PID" in info else 0
        return info

    def wait_unit(self, name, predicate, what, timeout=10.0):
        """Polls `status NAME` until predicate(info) holds; returns info."""
        last = {}

        def check():
            last["info"] = self.unit_status(name)
            return last["info"] if predicate(last["info"]) else None

        return wait_until(check, timeout, f"{name} to be {what}",
                          on_timeout=lambda: f" (last status: {last.get('info')})"
                          + self._log_suffix())

    def wait_state(self, name, state, timeout=10.0):
        return self.wait_unit(name, lambda i: i["state"] == state, state, timeout)

    # ---- the timeline ---------------------------------------------------------

    def timeline(self):
        with open(self.timeline_path) as f:
            return json.load(f)

    def timeline_units(self):
        return {u["name"]: u for u in self.timeline()["units"]}

    # ---- processes in the namespace ------------------------------------------

    def processes(self):
        return processes_in_namespace(self.pid_ns)

    def host_pid(self, ns_pid):
        """The host pid of the process that is `ns_pid` inside the namespace."""
        for pid in self.processes():
            status = read_proc(pid, "status") or ""
            for line in status.splitlines():
                if line.startswith("NSpid:"):
                    ids = line.split()[1:]
                    if len(ids) >= 2 and int(ids[-1]) == ns_pid:
                        return pid
        return None

    def cmdline_of_ns_pid(self, ns_pid):
        host = self.host_pid(ns_pid)
        if host is None:
            return None
        text = read_proc(host, "cmdline")
        return text.rstrip("\0").split("\0") if text else None


class NamespaceFactory:
    def __init__(self, fastinit_bin, base_dir):
        self.bin = fastinit_bin
        self.base_dir = base_dir
        self.namespaces = []

    def new(self, units=None, runtime_dir=None):
        ns = Namespace(self.bin, self.base_dir, f"ns{len(self.namespaces)}")
        if runtime_dir:
            ns.set_runtime_dir(runtime_dir)
        self.namespaces.append(ns)
        if units:
            ns.write_units(units)
        return ns

    def boot(self, units=None, target=None, unit_dir=None, wait=True):
        ns = self.new(units)
        return ns.start(target=target, unit_dir=unit_dir, wait=wait)

    def teardown(self):
        problems = []
        for ns in self.namespaces:
            problems += ns.kill()
        return problems


@pytest.fixture
def fastinit(request, fastinit_bin):
    base_dir = tempfile.mkdtemp(prefix="fastinit-it-")
    os.chmod(base_dir, 0o755)
    factory = NamespaceFactory(fastinit_bin, base_dir)
    request.node._fastinit_factory = factory
    try:
        yield factory
    finally:
        problems = factory.teardown()
        # Keep the logs for the failure report, then remove the files.
        request.node._fastinit_logs = [(ns.name, ns.read_log()) for ns in factory.namespaces]
        shutil.rmtree(base_dir, ignore_errors=True)
        if problems:
            pytest.fail("teardown: " + "; ".join(problems), pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    factory = getattr(item, "_fastinit_factory", None)
    logs = getattr(item, "_fastinit_logs", None)
    if logs is None and factory is not None:
        logs = [(ns.name, ns.read_log()) for ns in factory.namespaces]
    for name, text in logs or []:
        report.sections.append((f"fastinit manager log ({name})", text))
