"""The files of Prometheus' multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``): what a worker that has ended leaves.

Each gunicorn worker counts its requests into files of its own (``counter_<pid>.db``, ``histogram_<pid>.db``), and a
scrape adds up every file there. A worker recycled after ``max_requests`` must keep counting in the totals (a counter
never goes down), but its files would stay for good: thousands of them after weeks of recycling, and a scrape that
reads them all took a second. ``archive_ended_worker`` (gunicorn's ``child_exit``, in the master) adds an ended
worker's figures into one archive file per kind and removes the worker's own: the directory holds the live workers'
files and one archive, whatever the uptime.
"""
from __future__ import annotations

from pathlib import Path

from prometheus_client.mmap_dict import MmapedDict

#: The kinds whose values add up across processes (a gauge's do not: ``multiprocess.mark_process_dead`` drops them).
ADDITIVE_KINDS = ("counter", "histogram", "summary")


def archive_ended_worker(directory: str | Path, pid: int) -> None:
    """Fold the counters and histograms of the ended process ``pid`` into ``<kind>_archive.db`` and remove its
    files. The master calls it once per ended worker, one at a time (MmapedDict is not thread safe)."""
    for kind in ADDITIVE_KINDS:
        ended = Path(directory) / f"{kind}_{pid}.db"
        if not ended.exists():
            continue
        archive = MmapedDict(str(Path(directory) / f"{kind}_archive.db"))
        try:
            for key, value, timestamp, _position in MmapedDict.read_all_values_from_file(str(ended)):
                archived, _ = archive.read_value(key)
                archive.write_value(key, archived + value, timestamp)
        finally:
            archive.close()
        ended.unlink()
