"""Time and memory of the duplicate audit on a large synthetic project.

Generates a labeled project (``tests.schemas.generator``, 500 first-party
models by default, with ``django.contrib.auth`` and ``contenttypes``),
declares it as real Django model classes in an isolated apps registry, and
measures the audit from that registry: ``ModelGraph.build(apps=registry)``,
then ``find_duplicate_groups(graph)``. Prints wall time (first run, best and
median of ``--repeat`` runs) and peak memory (tracemalloc, and the growth of
the process's maximum resident set size) per phase. Nothing is asserted.

    python bench/audit.py [--models 500] [--repeat 5] [--seed 0]

Runs from the repository root with or without ``PYTHONPATH``; configures
minimal Django settings itself.
"""

from __future__ import annotations

import argparse
import gc
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "src"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

MIB = 1024 * 1024


def configure_django() -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
            DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
            USE_TZ=True,
        )
    django.setup()


def max_rss() -> int:
    """The process's peak resident set size so far, in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def traced_peak(step: Callable[[], Any]) -> tuple[Any, int]:
    """Run ``step`` under tracemalloc; its result and the peak of traced memory, in bytes."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = step()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def seconds(value: float) -> str:
    return f"{value:,.3f} s"


def mebibytes(value: int | None) -> str:
    return "-" if value is None else f"{value / MIB:,.1f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--models", type=int, default=500, help="first-party models")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    configure_django()
    import django

    from django_remodel.graph import ModelGraph
    from tests.schemas.evaluate import pairwise_scores
    from tests.schemas.generator import generate_project
    from tests.schemas.registry import build_registry

    started = time.perf_counter()
    project = generate_project(args.seed, models=args.models, auth=True)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    registry = build_registry(project.graph)
    declared = time.perf_counter() - started
    listed = registry.get_models()
    own = sum(1 for model in listed if model._meta.app_label not in ("auth", "contenttypes"))

    detect: Callable[[ModelGraph], Any] | None
    try:
        from django_remodel.audit.duplicates import find_duplicate_groups
    except Exception as exc:
        print(f"The detector cannot be imported yet ({type(exc).__name__}: {exc});")
        print("measuring the graph build only.\n")
        detect = None
    else:
        detect = find_duplicate_groups

    print(
        f"Audit of a synthetic project: {own} models (+{len(listed) - own} from auth and "
        f"contenttypes), {len(project.groups)} planted duplicate groups, seed {args.seed}"
    )
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}; "
        f"setup: generate {seconds(generated)}, declare the models {seconds(declared)}"
    )

    times: dict[str, list[float]] = {"graph build": [], "detection": [], "total": []}
    rss: dict[str, int | None] = {"graph build": None, "detection": None, "total": None}
    groups: Any = None
    for run in range(max(1, args.repeat)):
        gc.collect()
        before = max_rss()
        t0 = time.perf_counter()
        graph = ModelGraph.build(apps=registry)
        t1 = time.perf_counter()
        after_build = max_rss()
        if detect is not None:
            groups = detect(graph)
        t2 = time.perf_counter()
        if run == 0:
            rss["graph build"] = after_build - before
            rss["detection"] = max_rss() - after_build if detect else None
            rss["total"] = max_rss() - before
        times["graph build"].append(t1 - t0)
        times["detection"].append(t2 - t1)
        times["total"].append(t2 - t0)

    graph, build_peak = traced_peak(lambda: ModelGraph.build(apps=registry))
    peaks: dict[str, int | None] = {"graph build": build_peak, "detection": None, "total": None}
    if detect is not None:
        _, peaks["detection"] = traced_peak(lambda: detect(graph))
        _, peaks["total"] = traced_peak(lambda: detect(ModelGraph.build(apps=registry)))
    else:
        peaks["total"] = build_peak

    header = ("phase", "first run", "best", "median", "peak (tracemalloc)", "max RSS growth")
    rows = [header]
    for phase, values in times.items():
        if phase == "detection" and detect is None:
            rows.append((phase, "-", "-", "-", "-", "-"))
            continue
        rows.append(
            (
                phase,
                seconds(values[0]),
                seconds(min(values)),
                seconds(statistics.median(values)),
                mebibytes(peaks[phase]),
                mebibytes(rss[phase]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    print()
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        print("  ".join(cells))
        if index == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\nruns: {len(times['total'])}; process max RSS: {mebibytes(max_rss())}")

    if detect is not None and groups is not None:
        found = [tuple(result.models) for result in groups]
        scores = pairwise_scores([project], lambda _graph: found)
        print(
            f"detector: {len(found)} groups ({len(project.groups)} planted); on this project "
            f"pairwise precision {scores.precision:.3f}, recall {scores.recall:.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
