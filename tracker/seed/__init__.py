"""``flask --app tracker seed --cases N``: realistic synthetic cases for load tests and benchmarks.

Each case is played through its procedure by ``stories`` (which random history) and ``player`` (what the pure core
decides of it: ``engine.check_transition`` for every step, ``timer_plan`` for every timer and date, and a replay of
the daily deadline sweep), then written in bulk by ``writer`` with valid audit chains. ``tests/test_seed_replay.py``
replays seeded cases through the real service verbs and asserts the same states, timers and events.

Synthetic data only: invented names, ``*.seed.example`` addresses, one shared password (``SEED_PASSWORD``).
"""
from __future__ import annotations

import multiprocessing
import os
import random
import time
from dataclasses import dataclass
from datetime import date

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from tracker import clock
from tracker.audit.service import audit_keyring
from tracker.extensions import db
from tracker.registry import registry
from tracker.seed.parties import EMAIL_DOMAIN, SEED_PASSWORD, Parties, ensure_parties
from tracker.seed.player import SimCase
from tracker.seed.stories import PROCEDURE_MIX, SKILLED_WORKER, Stories
from tracker.seed.writer import TABLES, Writer, build_rows

__all__ = ["EMAIL_DOMAIN", "SEED_PASSWORD", "SeedResult", "seed_cases", "seed_command"]


@dataclass
class SeedResult:
    cases: int = 0
    events: int = 0
    timers: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


class FastRandom(random.Random):
    """The stdlib's integer draws are exact but slow; these are uniform enough for test data."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


def seed_cases(count: int, *, batch_size: int = 2000, seed: int | None = None, today: date | None = None,
               progress=None, workers: int = 1) -> SeedResult:
    """Create ``count`` cases (a § 81a case and the recognition case it opened count as two).

    ``workers`` > 1 (PostgreSQL only) splits the work over that many forked processes, each with its own
    connection: playing and hashing cases is CPU work in Python, so one process cannot keep a server busy."""
    today = today or clock.today()
    started = time.perf_counter()
    parties = ensure_parties()
    engine = db.engine
    if workers > 1 and engine.dialect.name == "postgresql" and count >= 2 * batch_size:
        result = _seed_in_processes(count, workers, batch_size, seed, today, parties, progress)
    else:
        result = _seed(count, batch_size, seed, today, parties, progress)
    if engine.dialect.name == "postgresql":
        # Fresh statistics for the planner; cases and timers also get their visibility map (index-only scans for
        # the queue's count and the sweep), as autovacuum would give them some time after a bulk load.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in TABLES:
                connection.execute(sa.text(f"{'VACUUM (ANALYZE)' if table in ('cases', 'timers') else 'ANALYZE'} "
                                           f"{table}"))
    result.seconds = time.perf_counter() - started
    return result


def _seed(count: int, batch_size: int, seed: int | None, today: date, parties: Parties, progress) -> SeedResult:
    rng = FastRandom(seed)
    engine = db.engine
    stories = Stories(rng, parties, today, registry())
    procedures = [procedure for procedure, _weight in PROCEDURE_MIX]
    weights = [weight for _procedure, weight in PROCEDURE_MIX]
    result = SeedResult()
    keyring = audit_keyring()
    writer = Writer(engine)
    try:
        planned = 0
        while planned < count:
            wanted = min(batch_size, count - planned)
            batch: list[SimCase] = []
            while len(batch) < wanted:
                procedure = rng.choices(procedures, weights=weights)[0]
                if wanted - len(batch) < 2 and procedure == SKILLED_WORKER:
                    procedure = "recognition-bqfg"
                batch += stories.play(procedure)
            planned += len(batch)
            rows = build_rows(engine, batch, keyring)

            def done(size=len(batch), events=len(rows["events"]), timers=len(rows["timers"])):
                result.cases += size
                result.events += events
                result.timers += timers
                if progress is not None:
                    progress(size)

            writer.submit(rows, done)
    finally:
        writer.close()
    return result


def _seed_in_processes(count: int, workers: int, batch_size: int, seed: int | None, today: date,
                       parties: Parties, progress) -> SeedResult:
    context = multiprocessing.get_context("fork")  # the children inherit the app, its registry and the parties
    totals = context.Array("q", 3)  # cases, events, timers written
    shares = [count // workers + (1 if index < count % workers else 0) for index in range(workers)]
    db.session.remove()

    def work(index: int, share: int) -> None:
        db.engine.dispose(close=False)  # the parent's pooled connections stay the parent's

        def tally(size: int, events: int = 0, timers: int = 0) -> None:
            with totals.get_lock():
                totals[0] += size

        result = _seed(share, batch_size, None if seed is None else seed + index, today, parties, tally)
        with totals.get_lock():
            totals[1] += result.events
            totals[2] += result.timers

    processes = [context.Process(target=work, args=(index, share), name=f"seed-{index}")
                 for index, share in enumerate(shares) if share]
    for process in processes:
        process.start()
    reported = 0
    while any(process.is_alive() for process in processes):
        time.sleep(0.2)
        if progress is not None and totals[0] > reported:
            progress(totals[0] - reported)
            reported = totals[0]
    for process in processes:
        process.join()
    if progress is not None and totals[0] > reported:
        progress(totals[0] - reported)
    failed = [process.name for process in processes if process.exitcode != 0]
    if failed:
        raise RuntimeError(f"seeding failed in {', '.join(failed)} after {totals[0]} cases")
    return SeedResult(cases=totals[0], events=totals[1], timers=totals[2])


@click.command("seed")
@click.option("--cases", "count", type=click.IntRange(min=1), required=True, help="How many cases to create.")
@click.option("--batch", "batch_size", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Cases per transaction.")
@click.option("--random-seed", type=int, default=None, help="Same number, same data (on an empty database, with "
              "the same number of workers).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes seeding in parallel on PostgreSQL (default: one per CPU; SQLite always uses one).")
@with_appcontext
def seed_command(count: int, batch_size: int, random_seed: int | None, workers: int | None):
    """Create N realistic synthetic cases with timers and history (for load tests; never on production data)."""
    workers = workers or os.cpu_count() or 1
    with click.progressbar(length=count, label="Seeding cases", show_pos=True, show_eta=True) as bar:
        result = seed_cases(count, batch_size=batch_size, seed=random_seed, progress=bar.update, workers=workers)
    click.echo(f"{result.cases} cases, {result.timers} timers, {result.events} events in {result.seconds:.1f} s "
               f"({result.rate:.0f} cases/s)")
