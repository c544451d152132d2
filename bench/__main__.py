"""``python -m bench``: seed PostgreSQL to two sizes and measure at each, then print the figures against the goals.

At each size (100k and 1M cases; ``--quick``: 10k and 100k):

- seeding rate of ``flask seed`` (goal >= 2,000 cases/s),
- the work queue (``GET /cases`` as a clerk of the busiest office, first page and "my cases"; p95 <= 150 ms at the
  small size, and p95 at the large size / p95 at the small size <= 1.5),
- the case page (``GET /cases/<id>`` for random cases of that office; p95 <= 100 ms at both sizes),
- the API case list (``GET /api/v1/cases`` with the clerk's token, first page and "my cases"; p95 <= 100 ms, large /
  small <= 1.5) and the rate of steps through ``POST /api/v1/cases/<id>/transitions`` (``bench/api.py``),
- the sweep's idle tick, nothing due (median and p95 of 50 ticks; <= 5 ms at the large size),
- one sweep over 1,000 timers that expired yesterday, among all open ones (large / small <= 1.2, >= 500 timers/s),
- the portal: the employer's home (``GET /portal``, the employer with the most cases, every case of it authorised)
  and the ThAFF advisor's overview (``GET /portal/overview``, granted by the three largest employers); p95 <= 100 ms
  at both sizes, large/small <= 1.5 (``--portal-only`` measures just these, e.g. on a database kept with ``--keep``).
- the report page (``GET /reports``, last twelve months, cycling through the breakdowns) for the ministry (every
  office) and for the busiest office's team lead (p95 <= 500 ms at the large size, issue 11).
- the applicant's status page (``GET /status`` after entering with reference and code, random open recognition
  cases; p95 <= 100 ms at both sizes, large / small <= 1.5) and the expected-date estimate's query alone.

The database is ``BENCH_DATABASE_URL``, or a fresh ``tracker_bench`` on the local server that is dropped at the end
unless ``--keep``. The clock is frozen at the start, so a run that crosses midnight measures the same day.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import g

from bench import api, applicant, engine_cost

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_DATABASE = "tracker_bench"


def _psycopg_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def create_database() -> str:
    engine = sa.create_engine(DEFAULT_SERVER, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{DEFAULT_DATABASE}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{DEFAULT_DATABASE}"'))
    engine.dispose()
    return sa.engine.make_url(DEFAULT_SERVER).set(database=DEFAULT_DATABASE).render_as_string(hide_password=False)


def drop_database() -> None:
    engine = sa.create_engine(DEFAULT_SERVER, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{DEFAULT_DATABASE}" WITH (FORCE)'))
    engine.dispose()


def say(text: str = "") -> None:
    print(text, flush=True)


def run_size(app, size: int, args, rng: random.Random, used: set[int]) -> dict:
    import click

    from bench import measure
    from tracker.extensions import db

    say(f"\n== {size:,} cases ==")
    have = db.session.scalar(sa.text("SELECT count(*) FROM cases"))
    db.session.commit()
    with click.progressbar(length=max(size - have, 0), label=f"seeding to {size:,}", show_pos=True,
                           show_eta=True, file=sys.stdout) as bar:
        added, rate = measure.grow_to(size, seed=args.seed + size, progress=bar.update)
    if added:
        say(f"seeded {added:,} cases at {rate:,.0f} cases/s")
    clerk = measure.busiest_office_clerk()
    figures = measure.counts(clerk.office_id)
    say(f"{figures.cases:,} cases, {figures.open_cases:,} open, {figures.running_timers:,} running timers; "
        f"queue of {clerk.email}: {figures.office_open_cases:,} open cases")
    if args.explain:
        say(measure.explain_queue(clerk))
    client = measure.logged_in_client(app, clerk)
    results = {"size": size, "seed_rate": rate if added else None, "counts": figures}
    if args.portal_only:
        measure_portal(app, args, results)
        return results
    for label, urls in measure.queue_urls(args.requests, rng).items():
        results[label] = timing = measure.page_timing(client, urls)
        say(f"{label}: median {timing.median:.1f} ms, p95 {timing.p95:.1f} ms")
    results["case page"] = timing = measure.page_timing(
        client, measure.case_urls(clerk.office_id, args.requests, rng))
    say(f"case page: median {timing.median:.1f} ms, p95 {timing.p95:.1f} ms")
    measure_portal(app, args, results)
    for label, reader in (("report page, ministry", measure.ministry_user()),
                          ("report page, team lead", measure.office_lead(clerk.office_id))):
        if reader is None:
            continue
        results[label] = timing = measure.page_timing(measure.logged_in_client(app, reader),
                                                      measure.report_urls(args.requests))
        say(f"{label}: median {timing.median:.1f} ms, p95 {timing.p95:.1f} ms")
    for label, urls in api.list_urls(args.requests).items():
        results[label] = timing = api.list_timing(app, clerk, urls)
        say(f"{label}: median {timing.median:.1f} ms, p95 {timing.p95:.1f} ms")
    results["API steps"] = steps = api.transition_rate(app, args.requests * 2)
    say(f"API steps (GET for the ETag + POST transition): {steps.per_second:,.0f}/s, p95 {steps.timing.p95:.1f} ms")
    results["idle tick"] = timing = measure.idle_ticks(args.requests)
    say(f"sweep idle tick: median {timing.median:.2f} ms, p95 {timing.p95:.2f} ms")
    results["due sweep"] = due = measure.due_sweep(1000, rng, used)
    say(f"sweep over {due.timers} due timers: {due.ms:.0f} ms ({due.per_second:,.0f} timers/s)")
    results["status page"] = timing = applicant.status_page_timing(app, args.requests, rng)
    say(f"applicant status page: median {timing.median:.1f} ms, p95 {timing.p95:.1f} ms")
    timing, supported = applicant.estimate_timing(args.requests, rng)
    results["estimate"] = timing
    say(f"estimate query: median {timing.median:.2f} ms, p95 {timing.p95:.2f} ms "
        f"({supported} of {args.requests} sampled cases had 10 past cases)")
    if args.explain:
        say(applicant.explain_estimate(rng))
    return results


def measure_portal(app, args, results: dict) -> None:
    from bench import measure

    users = measure.portal_users()
    results["portal users"] = users
    say(f"portal: {users.employer_user.email} sees {users.employer_cases:,} cases; {users.advisor.email} sees "
        f"{users.advisor_cases:,} cases of {measure.ADVISOR_EMPLOYERS} employers")
    for label, urls in measure.portal_urls(args.requests).items():
        user = users.employer_user if label == "employer home" else users.advisor
        results[label] = timing = measure.page_timing(measure.logged_in_client(app, user), urls)
        say(f"{label}: median {timing.median:.1f} ms, p95 {timing.p95:.1f} ms")


def report_portal(small: dict, large: dict) -> list[tuple[str, str, str, str, bool | None]]:
    rows = []
    for label in ("employer home", "advisor overview"):
        rows.append((f"{label} p95", f"{small[label].p95:.1f} ms", f"{large[label].p95:.1f} ms", "<= 100 ms",
                     max(small[label].p95, large[label].p95) <= 100))
        ratio = large[label].p95 / small[label].p95
        rows.append((f"{label} p95 large/small", "", f"{ratio:.2f}", "<= 1.5", ratio <= 1.5))
    small_users, large_users = small["portal users"], large["portal users"]
    rows.append(("cases the employer sees", f"{small_users.employer_cases:,}", f"{large_users.employer_cases:,}", "",
                 None))
    rows.append(("cases the advisor sees", f"{small_users.advisor_cases:,}", f"{large_users.advisor_cases:,}", "",
                 None))
    return rows


def print_rows(rows, small: dict, large: dict) -> None:
    header = ("", f"{small['size']:,} cases", f"{large['size']:,} cases", "goal", "")
    widths = [max(len(str(row[i])) for row in rows + [header]) for i in range(4)]
    say("\n" + "  ".join(str(cell).ljust(width) for cell, width in zip(header, widths)))
    for name, small_value, large_value, target, ok in rows:
        verdict = "" if ok is None else "PASS" if ok else "MISS"
        say("  ".join(cell.ljust(width) for cell, width in zip((name, small_value, large_value, target), widths))
            + "  " + verdict)


def report(small: dict, large: dict) -> None:
    rows: list[tuple[str, str, str, str, bool | None]] = []

    def goal(name: str, small_value: str, large_value: str, target: str, ok: bool | None) -> None:
        rows.append((name, small_value, large_value, target, ok))

    def rate(result):
        return f"{result['seed_rate']:,.0f}/s" if result["seed_rate"] else "-"

    rates = [result["seed_rate"] for result in (small, large) if result["seed_rate"]]
    goal("seed rate (cases/s)", rate(small), rate(large), ">= 2,000/s", min(rates) >= 2000 if rates else None)
    for label in ("queue, first page", "queue, my cases (filter)"):
        goal(f"{label} p95", f"{small[label].p95:.1f} ms", f"{large[label].p95:.1f} ms", "<= 150 ms (small)",
             small[label].p95 <= 150)
        ratio = large[label].p95 / small[label].p95
        goal(f"{label} p95 large/small", "", f"{ratio:.2f}", "<= 1.5", ratio <= 1.5)
    for label in ("API case list, first page", "API case list, my cases (filter)"):
        goal(f"{label} p95", f"{small[label].p95:.1f} ms", f"{large[label].p95:.1f} ms", "<= 100 ms",
             max(small[label].p95, large[label].p95) <= 100)
        ratio = large[label].p95 / small[label].p95
        goal(f"{label} p95 large/small", "", f"{ratio:.2f}", "<= 1.5", ratio <= 1.5)
    goal("API steps (read ETag + transition)", f"{small['API steps'].per_second:,.0f}/s",
         f"{large['API steps'].per_second:,.0f}/s", "", None)
    goal("case page p95", f"{small['case page'].p95:.1f} ms", f"{large['case page'].p95:.1f} ms", "<= 100 ms",
         max(small["case page"].p95, large["case page"].p95) <= 100)
    for label in ("report page, ministry", "report page, team lead"):
        if label in small and label in large:
            goal(f"{label} p95", f"{small[label].p95:.1f} ms", f"{large[label].p95:.1f} ms", "<= 500 ms (large)",
                 large[label].p95 <= 500)
    goal("sweep idle tick median", f"{small['idle tick'].median:.2f} ms", f"{large['idle tick'].median:.2f} ms",
         "<= 5 ms (large)", large["idle tick"].median <= 5)
    goal("sweep idle tick p95", f"{small['idle tick'].p95:.2f} ms", f"{large['idle tick'].p95:.2f} ms", "", None)
    goal("sweep of 1,000 due timers", f"{small['due sweep'].ms:.0f} ms", f"{large['due sweep'].ms:.0f} ms", "", None)
    ratio = large["due sweep"].ms / small["due sweep"].ms
    goal("due sweep large/small", "", f"{ratio:.2f}", "<= 1.2", ratio <= 1.2)
    slowest = min(small["due sweep"].per_second, large["due sweep"].per_second)
    goal("due timers handled", f"{small['due sweep'].per_second:,.0f}/s", f"{large['due sweep'].per_second:,.0f}/s",
         ">= 500/s", slowest >= 500)
    goal("status page p95", f"{small['status page'].p95:.1f} ms", f"{large['status page'].p95:.1f} ms",
         "<= 100 ms", max(small["status page"].p95, large["status page"].p95) <= 100)
    ratio = large["status page"].p95 / small["status page"].p95
    goal("status page p95 large/small", "", f"{ratio:.2f}", "<= 1.5", ratio <= 1.5)
    goal("estimate query p95", f"{small['estimate'].p95:.2f} ms", f"{large['estimate'].p95:.2f} ms", "", None)

    rows.extend(report_portal(small, large))
    print_rows(rows, small, large)
    for result in (small, large):
        figures = result["counts"]
        say(f"at {result['size']:,}: {figures.cases:,} cases ({figures.open_cases:,} open), "
            f"{figures.running_timers:,} running timers, busiest queue {figures.office_open_cases:,} open cases")


def report_engine_cost(cost) -> None:
    """Issue 12's goals for the engine: at most 8 statements per transition, at least a quarter of PostgreSQL's own
    simple-update rate with the same number of clients."""
    say("\nengine cost (apply_transition + commit, PostgreSQL)")
    say("  statements per transition (the request's login lookup not counted; goal <= 8):")
    for transition, inputs, what in engine_cost.STEPS:
        count = cost.statements_per_step[transition]
        say(f"    {count:4.1f}  {transition} ({what})  {'PASS' if count <= 8 else 'MISS'}")
    say(f"  rates below: {engine_cost.TRANSITION}")
    for clients, rate in cost.transitions_per_second.items():
        tps, ratio = cost.pgbench_tps[clients], cost.ratio(clients)
        shown = f"{ratio:.3f}" if ratio is not None else "n/a (no pgbench)"
        ok = "" if ratio is None else "PASS" if ratio >= 0.25 else "MISS"
        say(f"  {clients} client(s): {rate:,.0f} transitions/s; pgbench -N {tps:,.0f} tps; ratio {shown} "
            f"(goal >= 0.25)  {ok}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k cases instead of 100k and 1M")
    parser.add_argument("--keep", action="store_true", help="keep the tracker_bench database")
    parser.add_argument("--requests", type=int, default=50, help="timed requests (and sweep ticks) per figure")
    parser.add_argument("--seed", type=int, default=20260302, help="random seed of the data and the samples")
    parser.add_argument("--explain", action="store_true", help="print the work queue's query plans")
    parser.add_argument("--portal-only", action="store_true",
                        help="seed, then measure only the employer home and the advisor overview")
    args = parser.parse_args(argv)
    sizes = (10_000, 100_000) if args.quick else (100_000, 1_000_000)

    given = os.environ.get("BENCH_DATABASE_URL")
    url = _psycopg_url(given) if given else create_database()
    if not url.startswith("postgresql"):
        say("The benchmarks measure PostgreSQL; BENCH_DATABASE_URL must be a postgresql:// URL.")
        return 2
    say(f"database: {sa.engine.make_url(url).render_as_string(hide_password=True)}")

    from tracker import clock, create_app
    from tracker.config import settle_long_lived_process
    from tracker.extensions import db

    clock.travel_to(datetime.now(timezone.utc))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "REDIS_URL": None, "SERVER_NAME": "bench.local"})
    # The bench keeps one app context pushed, and Flask reuses it for the test client's requests: forget the
    # per-request state (Flask-Login's cached user) at the start of each request, as a server would.
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: g.__dict__.clear())
    # Measured as the processes that serve these pages and run these jobs are set up (gunicorn's and RQ's
    # workers): the app out of the garbage collector's sight, the collector's young passes less frequent.
    settle_long_lived_process()
    # Without Redis the outbox would deliver each e-mail in the committing thread (``make run``'s embedded mode);
    # in production RQ workers deliver them. The figures measure the tracker's own work, the rows written into the
    # outbox included: the rows stay pending here, for workers that the bench does not run.
    app.extensions["outbox_dispatch"] = lambda ids: None
    rng = random.Random(args.seed)
    used: set[int] = set()
    try:
        with app.app_context():
            db.create_all()
            version, buffers = db.session.execute(sa.text(
                "SELECT current_setting('server_version'), current_setting('shared_buffers')")).one()
            db.session.commit()
            say(f"PostgreSQL {version}, shared_buffers {buffers}; {os.cpu_count()} CPUs, load average "
                f"{os.getloadavg()[0]:.1f} (other work on the machine slows every figure)")
            small = run_size(app, sizes[0], args, rng, used)
            large = run_size(app, sizes[1], args, rng, used)
            if args.portal_only:
                print_rows(report_portal(small, large), small, large)
            else:
                report(small, large)
                report_engine_cost(engine_cost.measure(app, url))
            say(f"load average at the end: {os.getloadavg()[0]:.1f}")
            db.session.remove()
            db.engine.dispose()
    finally:
        clock.resume()
        if not given and not args.keep:
            drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
