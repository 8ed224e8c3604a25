"""Benchmark: the app under gunicorn on loopback, 20 concurrent users on the leader's pages, then again while an
enterprise import commits. Prints p50/p95/max and errors per page, and the time of fresh logins during the commit.

Phase A: `--users` threads (default 20), each with its own session of the demo leader (gaoping_leader), each making
`--requests` GETs (default 25) in turn over the leader's pages (home, the zone's statistics dashboard, the project
list, 领导视图, key projects, 通报). An error is anything but a 200 (redirects are not followed) or an exception.
Phase B: gaoping_admin uploads an `--import-rows` enterprise workbook (default 50,000) through the import page, the
worker (`manage.py db_worker`, a subprocess) validates it, the admin requests the commit, and as soon as the worker
is committing the same load starts, with fresh logins (new session, GET the form, POST it) one after another until
the commit ends. No wall-clock assertions: it prints what it measured.

Uses a throwaway SQLite database under var/bench/ (migrate + the demo, removed afterwards unless --keep) unless
DATABASE_URL is set: then it seeds the demo into that database and leaves the imported firms there, so give it a
database of its own (`createdb kaifaqu_load`). gunicorn and the worker get the same environment.

    .venv/bin/python bench/load.py [--users 20] [--requests 25] [--import-rows 50000] [--workers 2] [--threads 4]
"""

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter

from _setup import BENCH_DIR, ROOT, configure, remove_sqlite

LEADER = "gaoping_leader"
ADMIN = "gaoping_admin"
ZONE = "高平经开区"  # short name
REGION = "140105"  # 太原市小店区: no demo firm is registered there
CODE_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"  # letters a credit code may hold; two of them mark this run's firms


# ---------------------------------------------------------------------------------------------------------------
# Data


def seed():
    """migrate and the demo: zones, firms, statistics, projects, and the demo accounts (gaoping_leader …)."""
    from django.core.management import call_command

    from kaifaqu.accounts.models import User

    call_command("migrate", verbosity=0)
    if not User.objects.filter(username=LEADER).exists():
        for command in ("seed_demo", "seed_demo_stats", "seed_demo_projects"):
            call_command(command, verbosity=0)


def build_workbook(rows):
    """An enterprise workbook of `rows` new firms for the demo zone (enterprise_import.py's generator), with a credit
    code prefix no earlier run used."""
    from enterprise_import import build_workbook as enterprise_workbook

    from kaifaqu.enterprises.models import IndustryClass
    from kaifaqu.zones.models import Zone

    industries = list(IndustryClass.objects.filter(level="class").values_list("code", flat=True)[:200])
    zone_name = Zone.objects.get(short_name=ZONE).name
    tag = "".join(random.choices(CODE_LETTERS, k=2))
    return enterprise_workbook(rows, zone_name, industries, region=REGION, prefix=tag)


def leader_pages(only_dashboard=False):
    """(label, path) of the pages the load cycles through: the leader's six, or the statistics dashboard alone (the
    throughput figure of issue 13)."""
    from django.urls import reverse

    from kaifaqu.zones.models import Zone

    zone = Zone.objects.get(short_name=ZONE)
    dashboard = ("统计看板", reverse("stats:dashboard", args=[zone.pk]))
    if only_dashboard:
        return [dashboard]
    return [
        ("首页", reverse("home")),
        dashboard,
        ("项目列表", reverse("projects:project_list")),
        ("领导视图", reverse("projects:leader")),
        ("重点项目", reverse("projects:key_projects")),
        ("通报", reverse("projects:bulletin")),
    ]


def gunicorn_options(args):
    """gunicorn's settings from the command line: workers × threads (gthread when threads > 1), keep-alive, worker
    recycling (--max-requests with jitter, so the workers do not restart together) and --preload."""
    options = ["-w", str(args.workers), "--threads", str(args.threads), "--timeout", "300"]
    options += ["--worker-class", "gthread" if args.threads > 1 else "sync", "--keep-alive", str(args.keep_alive)]
    if args.max_requests:
        options += ["--max-requests", str(args.max_requests), "--max-requests-jitter", str(args.max_requests // 10)]
    if args.preload:
        options.append("--preload")
    return options


# ---------------------------------------------------------------------------------------------------------------
# Processes


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command, log_name, **env):
    log = open(BENCH_DIR / log_name, "wb")  # noqa: SIM115 - closed with the process
    environment = {**os.environ, **env}
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)


def stop(process):
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def server_cpu_seconds(server):
    """CPU seconds (user + system) that gunicorn's master and its workers have used so far, from /proc (Linux): the
    workers alive now, plus those that ended and were reaped (the master's cutime/cstime)."""
    ticks = os.sysconf("SC_CLK_TCK")

    def fields(pid):
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces

    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            values = fields(entry)
        except OSError:  # ended meanwhile
            continue
        if int(entry) == server.pid:
            total += sum(int(v) for v in values[11:15])  # utime, stime, cutime, cstime
        elif int(values[1]) == server.pid:  # a worker
            total += int(values[11]) + int(values[12])
    return total / ticks


def wait_until_up(base, server):
    import requests

    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn ended (exit code {server.returncode}): see {BENCH_DIR / 'load-gunicorn.log'}")
        try:
            requests.get(f"{base}/accounts/login/", timeout=30)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within a minute")


# ---------------------------------------------------------------------------------------------------------------
# Clients


def login(base, username, password):
    """A new session signed in through the login page (GET for the CSRF cookie, POST the form)."""
    import requests

    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=60).raise_for_status()
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=60,
    )
    if response.status_code != 302:
        raise RuntimeError(f"login of {username} answered {response.status_code}")
    return session


def run_users(base, sessions, pages, requests_each):
    """Every session in its own thread, `requests_each` GETs over the pages; returns [(label, seconds, ok, t0)]."""
    results = []
    lock = threading.Lock()

    def user(number, session):
        mine = []
        for i in range(requests_each):
            label, path = pages[(number + i) % len(pages)]
            started = time.perf_counter()
            try:
                outcome = session.get(base + path, allow_redirects=False, timeout=120).status_code
            except Exception as error:  # noqa: BLE001 - an exception is an error of the run, counted, not raised
                outcome = type(error).__name__
            mine.append((label, time.perf_counter() - started, outcome == 200, started, outcome))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=user, args=(n, s)) for n, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def fresh_logins(base, password, until, at_least):
    """Fresh logins one after another until `until()` is true (at least `at_least`): [(seconds, ok, t0)]."""
    timings = []
    while len(timings) < at_least or not until():
        started = time.perf_counter()
        try:
            login(base, LEADER, password)
            ok = True
        except Exception:  # noqa: BLE001 - counted as an error
            ok = False
        timings.append((time.perf_counter() - started, ok, started))
    return timings


# ---------------------------------------------------------------------------------------------------------------
# The import


def upload(base, session, data):
    """Upload the workbook as the admin (mode 新增); returns the job's id."""
    page = session.get(f"{base}/enterprises/import/", timeout=60)
    page.raise_for_status()
    response = session.post(
        f"{base}/enterprises/import/",
        data={"mode": "create", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        files={"file": ("load.xlsx", data)},
        allow_redirects=False,
        timeout=600,
    )
    found = re.search(r"/import/(\d+)/", response.headers.get("Location", ""))
    if response.status_code != 302 or not found:
        raise SystemExit(f"the upload answered {response.status_code}, not a redirect to the job")
    return int(found.group(1))


def job_status(job_id):
    from django.db import connection

    from kaifaqu.core.models import ImportJob

    job = ImportJob.objects.get(pk=job_id)
    connection.close()  # hold no connection (nor, on SQLite, a read snapshot) between polls
    return job


def wait_for(job_id, statuses, limit=3600):
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        job = job_status(job_id)
        if job.status in statuses:
            return job
        time.sleep(0.2)
    raise SystemExit(f"job {job_id} did not reach {statuses} in {limit} s")


class CommitWindow(threading.Thread):
    """Watches the job and remembers when its commit ran (perf_counter times), within the poll interval: from the first
    poll that sees it committing to the first that sees it done (or back to validated after a failed commit)."""

    def __init__(self, job_id, committing, done):
        super().__init__(daemon=True)
        self.job_id, self.committing, self.done = job_id, committing, done
        self.started = self.ended = None
        self.final = None

    def run(self):
        while True:
            job = job_status(self.job_id)
            now = time.perf_counter()
            if job.status == self.committing and self.started is None:
                self.started = now
            if job.status in self.done or (self.started and job.status != self.committing):
                self.ended, self.final = now, job
                return
            time.sleep(0.1)

    def over(self):
        return self.ended is not None


# ---------------------------------------------------------------------------------------------------------------
# Report


def ms(seconds):
    return f"{seconds * 1000:8.0f}"


def quantiles(seconds):
    """(p50, p95, max) of a non-empty list."""
    ordered = sorted(seconds)
    if len(ordered) == 1:
        return ordered[0], ordered[0], ordered[0]
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return cuts[49], cuts[94], ordered[-1]


def padded(text, width):
    """Left-aligned in `width` columns of a terminal, where a Chinese character takes two."""
    return text + " " * (width - sum(2 if ord(c) > 0x2E80 else 1 for c in text))


def print_table(title, results, pages, window=None):
    print(f"\n{title}")
    print(f"{padded('页面', 10)}{'次数':>4}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'错误':>4}")
    labels = [label for label, _ in pages] + ["合计"]
    for label in labels:
        rows = results if label == "合计" else [r for r in results if r[0] == label]
        if not rows:
            continue
        p50, p95, top = quantiles([r[1] for r in rows])
        errors = sum(1 for r in rows if not r[2])
        print(f"{padded(label, 10)}{len(rows):>6}{ms(p50):>9}{ms(p95):>9}{ms(top):>9}{errors:>6}")
    kinds = Counter(str(r[4]) for r in results if not r[2])
    if kinds:
        print("错误：" + "，".join(f"{kind} × {n}" for kind, n in kinds.most_common()))
    if window:
        inside = sum(1 for r in results if window[0] <= r[3] <= window[1])
        print(f"其中 {inside} 次请求在提交进行期间发出")


def print_throughput(results, seconds, cpu):
    """Requests answered per second over the whole phase (errors included in the count, and shown apart), and the
    server's CPU time per request: other work on the shared machine slows the first, hardly the second — two idle
    cores serve at most 2 s ÷ (CPU per request) requests a second."""
    errors = sum(1 for r in results if not r[2])
    load = "/".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"系统负载（1/5/15 分钟）：{load}")
    print(f"吞吐量：{len(results)} 次请求 / {seconds:.1f} 秒 = {len(results) / seconds:.1f} 次/秒，错误 {errors}")
    per_request = cpu * 1000 / len(results)
    cores = os.cpu_count()
    print(f"服务器 CPU：{per_request:.1f} ms/次（{cores} 个空闲核的上限约 {cores * 1000 / per_request:.0f} 次/秒）")


def print_logins(title, timings):
    p50, p95, top = quantiles([t[0] for t in timings])
    errors = sum(1 for t in timings if not t[1])
    figures = f"p50 {ms(p50).strip()} ms，p95 {ms(p95).strip()} ms，max {ms(top).strip()} ms"
    print(f"{title}: {len(timings)} 次，{figures}，错误 {errors}")


# ---------------------------------------------------------------------------------------------------------------
# The settings matrix (--matrix): which gunicorn settings serve the dashboard best on this machine

# (label, workers, threads, keep-alive, max-requests, preload, DB_CONN_MAX_AGE). The first is the deployment's
# settings before issue 13 (bench/load.py's defaults); threads > 1 runs gthread workers, 1 the sync worker.
MATRIX = [
    ("2×4 gthread（原设置）", 2, 4, 2, 0, False, 0),
    ("2 sync", 2, 1, 2, 0, False, 0),
    ("3 sync", 3, 1, 2, 0, False, 0),
    ("3×2 gthread", 3, 2, 5, 0, False, 0),
    ("3 sync 持久连接", 3, 1, 5, 0, False, 60),
    ("3×2 gthread 持久连接", 3, 2, 5, 0, False, 60),
    ("3×2 gthread 持久连接 preload max-requests", 3, 2, 5, 1000, True, 60),
    ("2×4 gthread 持久连接 preload max-requests", 2, 4, 5, 1000, True, 60),
]


def serve_and_load(args, setting, pages, password):
    """One gunicorn with `setting`, --users signed-in users each making --requests GETs over `pages`: (results,
    seconds). The server is stopped before returning."""
    _label, workers, threads, keep_alive, max_requests, preload, conn_max_age = setting
    options = argparse.Namespace(
        workers=workers, threads=threads, keep_alive=keep_alive, max_requests=max_requests, preload=preload
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "kaifaqu.wsgi", *gunicorn_options(options), "-b", f"127.0.0.1:{port}"]
    server = start(command, "load-gunicorn.log", DB_CONN_MAX_AGE=str(conn_max_age))
    try:
        wait_until_up(base, server)
        sessions = [login(base, LEADER, password) for _ in range(args.users)]
        run_users(base, sessions[:1], pages, len(pages))  # warm up every page once, untimed
        started, cpu = time.perf_counter(), server_cpu_seconds(server)
        results = run_users(base, sessions, pages, args.requests)
        return results, time.perf_counter() - started, server_cpu_seconds(server) - cpu
    finally:
        stop(server)


def chosen_settings(numbers):
    """The rows of MATRIX named by --settings ("1,6": the first and the sixth), or all of them."""
    if not numbers:
        return MATRIX
    return [MATRIX[int(n) - 1] for n in numbers.split(",")]


def run_matrix(args, pages, password):
    """Every setting of MATRIX in turn, --rounds times over (the settings interleaved, so a busy moment of the shared
    machine falls on several of them); prints one line per setting: requests/s (median and best round), p50/p95 of
    all its requests, errors."""
    settings = chosen_settings(args.settings)
    measured = {setting[0]: ([], [], []) for setting in settings}
    for round_ in range(args.rounds):
        for setting in settings:
            results, seconds, cpu = serve_and_load(args, setting, pages, password)
            rates, times, cpu_ms = measured[setting[0]]
            rates.append(len(results) / seconds)
            times.extend(results)
            cpu_ms.append(cpu * 1000 / len(results))
            load = "/".join(f"{n:.1f}" for n in os.getloadavg())
            print(
                f"  第 {round_ + 1} 轮 {setting[0]}：{rates[-1]:.1f} 次/秒，服务器 CPU {cpu_ms[-1]:.0f} ms/次"
                f"（系统负载 {load}）",
                flush=True,
            )
    print(f"\n{padded('设置', 44)}{'次/秒 中位':>10}{'最好':>7}{'p50 ms':>8}{'p95 ms':>8}{'错误':>5}{'CPU ms/次':>10}")
    for label, workers, threads, keep_alive, max_requests, preload, conn_max_age in settings:
        rates, times, cpu_ms = measured[label]
        p50, p95, _top = quantiles([r[1] for r in times])
        errors = sum(1 for r in times if not r[2])
        print(
            f"{padded(label, 44)}{statistics.median(rates):>10.1f}{max(rates):>9.1f}{ms(p50):>8}{ms(p95):>8}{errors:>6}"
            f"{statistics.median(cpu_ms):>10.0f}"
        )
        options = argparse.Namespace(
            workers=workers, threads=threads, keep_alive=keep_alive, max_requests=max_requests, preload=preload
        )
        print(f"    DB_CONN_MAX_AGE={conn_max_age} gunicorn kaifaqu.wsgi {' '.join(gunicorn_options(options))}")


# ---------------------------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=25, help="GETs per user in each phase")
    parser.add_argument("--import-rows", type=int, default=50_000, help="0: phase A only")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread when > 1)")
    parser.add_argument("--keep-alive", type=int, default=2, help="seconds gunicorn keeps an idle connection")
    parser.add_argument("--max-requests", type=int, default=0, help="recycle a worker after this many requests")
    parser.add_argument("--preload", action="store_true", help="load the app before forking the workers")
    parser.add_argument(
        "--conn-max-age", type=int, default=0, help="DB_CONN_MAX_AGE of the server (seconds a connection is kept)"
    )
    parser.add_argument("--dashboard-only", action="store_true", help="phase A on the statistics dashboard alone")
    parser.add_argument("--matrix", action="store_true", help="phase A only, for each gunicorn setting of MATRIX")
    parser.add_argument("--rounds", type=int, default=2, help="with --matrix: rounds over the settings")
    parser.add_argument("--settings", help="with --matrix: only these rows of MATRIX, by number from 1 (e.g. 1,6)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway SQLite database")
    args = parser.parse_args()

    # The web server and the worker read these from the environment they inherit.
    os.environ["IMPORT_MAX_ROWS"] = str(max(args.import_rows, 50_000))
    os.environ["UPLOAD_MAX_BYTES"] = str(200 * 1024 * 1024)
    os.environ["DB_CONN_MAX_AGE"] = str(args.conn_max_age)
    database = configure("load", media="load-media")

    from django.db import connection, connections

    from kaifaqu.accounts.demo import DEMO_PASSWORD
    from kaifaqu.core.models import ImportStatusChoices

    server = worker = None
    try:
        started = time.perf_counter()
        seed()
        pages = leader_pages(args.dashboard_only)
        data = build_workbook(args.import_rows) if args.import_rows else b""
        vendor = connection.vendor
        connections.close_all()
        print(
            f"database: {vendor} · gunicorn {args.workers} workers × {args.threads} threads · {args.users} users × "
            f"{args.requests} requests · import {args.import_rows:,} rows ({len(data) / 1024 / 1024:.1f} MB) · "
            f"cores {os.cpu_count()} · prepared in {time.perf_counter() - started:.0f} s"
        )
        if args.matrix:
            run_matrix(args, pages, DEMO_PASSWORD)
            return

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        options = gunicorn_options(args)
        print(f"DB_CONN_MAX_AGE={args.conn_max_age} gunicorn kaifaqu.wsgi " + " ".join(options))
        server = start(
            [sys.executable, "-m", "gunicorn", "kaifaqu.wsgi", *options, "-b", f"127.0.0.1:{port}"], "load-gunicorn.log"
        )
        wait_until_up(base, server)
        sessions = [login(base, LEADER, DEMO_PASSWORD) for _ in range(args.users)]
        run_users(base, sessions[:1], pages, len(pages))  # warm up every page once, untimed

        started, cpu = time.perf_counter(), server_cpu_seconds(server)
        results = run_users(base, sessions, pages, args.requests)
        print_table("A：无导入", results, pages)
        print_throughput(results, time.perf_counter() - started, server_cpu_seconds(server) - cpu)
        print_logins("A：新登录（无导入）", fresh_logins(base, DEMO_PASSWORD, lambda: True, 10))
        if not args.import_rows:
            return

        worker = start([sys.executable, "manage.py", "db_worker", "--interval", "0.2"], "load-worker.log")
        admin = login(base, ADMIN, DEMO_PASSWORD)
        upload_started = time.perf_counter()
        job_id = upload(base, admin, data)
        job = wait_for(job_id, {ImportStatusChoices.VALIDATED, ImportStatusChoices.FAILED})
        validated = time.perf_counter() - upload_started
        if job.status != ImportStatusChoices.VALIDATED or job.error_count:
            raise SystemExit(f"validation did not pass: {job.message} {job.errors[:3]}")
        print(f"\n上传并校验 {args.import_rows:,} 行：{validated:.0f} 秒（工作进程）")

        done = {ImportStatusChoices.COMMITTED, ImportStatusChoices.FAILED}
        window = CommitWindow(job_id, ImportStatusChoices.COMMITTING, done)
        window.start()
        commit = admin.post(
            f"{base}/enterprises/import/{job_id}/",
            data={"action": "commit", "csrfmiddlewaretoken": admin.cookies["csrftoken"]},
            allow_redirects=False,
            timeout=60,
        )
        if commit.status_code != 302:
            raise SystemExit(f"the commit request answered {commit.status_code}")
        while window.started is None and not window.over():
            time.sleep(0.05)

        logins = []
        login_thread = threading.Thread(
            target=lambda: logins.extend(fresh_logins(base, DEMO_PASSWORD, window.over, 10)), daemon=True
        )
        login_thread.start()
        results = run_users(base, sessions, pages, args.requests)
        login_thread.join()
        window.join()
        if window.final.status != ImportStatusChoices.COMMITTED:
            raise SystemExit(f"the commit did not pass: {window.final.message}")
        span = (window.started, window.ended)
        seconds = window.ended - window.started
        print(f"提交 {args.import_rows:,} 行：约 {seconds:.0f} 秒（工作进程，状态轮询间隔 0.1 秒）")
        print_table("B：提交导入期间", results, pages, span)
        print_logins("B：新登录（提交期间及其后）", logins)
        during = [t for t in logins if span[0] <= t[2] <= span[1]]
        if during:
            print_logins("B：其中在提交期间开始的新登录", during)
    finally:
        stop(worker)
        stop(server)
        shutil.rmtree(BENCH_DIR / "load-media", ignore_errors=True)
        if database is not None and not args.keep:
            connections.close_all()
            remove_sqlite(database)


if __name__ == "__main__":
    main()
