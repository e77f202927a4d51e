"""Precision and recall of a duplicate-group detector on labeled synthetic projects.

``pairwise_scores(projects, predict)`` scores any ``predict(graph) -> groups``
against the groups planted by ``tests.schemas.generator``. Scores are counted
over unordered pairs of models: a pair is *predicted* when both models are in
one predicted group and *planted* when both are in one planted group;
precision = correct / predicted pairs, recall = correct / planted pairs, both
summed over all projects (with nothing predicted, precision is 1; with
nothing planted, recall is 1). A planted group counts as *exact* when one
predicted group holds exactly its models.

Run from the repository root::

    PYTHONPATH=.:src python -m tests.schemas.evaluate [--show 15] [--split held-out]

to score ``django_remodel.audit.duplicates.find_duplicate_groups`` on the
"tuning" seeds (0-29) and the "held-out" seeds (1000-1039). Tune on the first
split only; the second tells whether the tuning generalizes.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_remodel.graph import ModelGraph
    from tests.schemas.generator import LabeledProject

Pair = tuple[str, str]
Predictor = Callable[["ModelGraph"], Iterable[Iterable[str]]]

SPLITS: dict[str, range] = {"tuning": range(0, 30), "held-out": range(1000, 1040)}


def pairs_of(groups: Iterable[Iterable[str]]) -> set[Pair]:
    """Every unordered pair of models that share a group."""
    pairs: set[Pair] = set()
    for group in groups:
        pairs.update(itertools.combinations(sorted(set(group)), 2))
    return pairs


@dataclass(frozen=True)
class Mistake:
    seed: int
    kind: str
    """``"false"``: predicted but not planted; ``"missed"``: planted but not predicted."""
    pair: Pair


@dataclass
class Scores:
    projects: int = 0
    models: int = 0
    planted_groups: int = 0
    predicted_groups: int = 0
    exact_groups: int = 0
    planted_pairs: int = 0
    predicted_pairs: int = 0
    correct_pairs: int = 0
    false_pairs: list[Mistake] = field(default_factory=list)
    missed_pairs: list[Mistake] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)
    """Seeds on which ``predict`` raised, with the error (scored as predicting nothing)."""
    by_kind: dict[str, list[int]] = field(default_factory=dict)
    """Planted kind -> [planted pairs, found pairs]."""
    seconds: float = 0.0

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.planted_pairs if self.planted_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def exact_group_accuracy(self) -> float:
        return self.exact_groups / self.planted_groups if self.planted_groups else 1.0


def pairwise_scores(projects: Iterable[LabeledProject], predict: Predictor) -> Scores:
    """Score ``predict`` on ``projects``, pair by pair."""
    scores = Scores()
    for project in projects:
        scores.projects += 1
        scores.models += len(project.first_party_models)
        started = time.perf_counter()
        try:
            predicted = [frozenset(group) for group in predict(project.graph)]
        except Exception as exc:  # A crash on one project must not hide the others.
            scores.failures.append((project.seed, f"{type(exc).__name__}: {exc}"))
            predicted = []
        scores.seconds += time.perf_counter() - started
        predicted = [group for group in predicted if len(group) >= 2]
        planted_pairs = pairs_of(project.groups)
        predicted_pairs = pairs_of(predicted)
        scores.planted_groups += len(project.groups)
        scores.predicted_groups += len(predicted)
        scores.exact_groups += sum(1 for group in project.groups if group in set(predicted))
        scores.planted_pairs += len(planted_pairs)
        scores.predicted_pairs += len(predicted_pairs)
        scores.correct_pairs += len(planted_pairs & predicted_pairs)
        scores.false_pairs += [
            Mistake(project.seed, "false", pair) for pair in sorted(predicted_pairs - planted_pairs)
        ]
        scores.missed_pairs += [
            Mistake(project.seed, "missed", pair)
            for pair in sorted(planted_pairs - predicted_pairs)
        ]
        for kind, group in zip(project.group_kinds, project.groups, strict=True):
            counts = scores.by_kind.setdefault(kind, [0, 0])
            group_pairs = pairs_of([group])
            counts[0] += len(group_pairs)
            counts[1] += len(group_pairs & predicted_pairs)
    return scores


# ---------------------------------------------------------------------------
# Report


def _role(project: LabeledProject, label: str) -> str:
    note = project.notes.get(label)
    if note is None:
        return "not a model"
    if note.category == "member":
        return f"{note.entity} member"
    if note.category == "django" and label == "auth.User":
        return "auth.User"
    return f"{note.category} ({note.entity})"


def why_false(project: LabeledProject, pair: Pair) -> str:
    """What a wrongly paired couple of models is, e.g. ``person member ~ lookalike (...)``."""
    a, b = pair
    group_a, group_b = project.group_of(a), project.group_of(b)
    if group_a is not None and group_b is not None:
        return f"{project.group_kinds[group_a]} group ~ {project.group_kinds[group_b]} group"
    return " ~ ".join(sorted((_role(project, a), _role(project, b))))


def _describe(project: LabeledProject, label: str) -> str:
    from tests.schemas.generator import describe

    try:
        return describe(project.graph.model(label))
    except Exception:
        return f"{label} (not in the graph)"


def _reason(project: LabeledProject, mistake: Mistake) -> str:
    if mistake.kind == "false":
        return why_false(project, mistake.pair)
    group = project.group_of(mistake.pair[0])
    return f"{project.group_kinds[group]} group" if group is not None else ""


def varied(projects: dict[int, LabeledProject], mistakes: Sequence[Mistake]) -> list[Mistake]:
    """The mistakes reordered round-robin over their reasons and seeds, so that the
    first few show different problems rather than one group's every pair."""
    queues: dict[str, list[Mistake]] = {}
    seen: set[tuple[int, str]] = set()
    later: list[Mistake] = []
    for mistake in mistakes:
        reason = _reason(projects[mistake.seed], mistake)
        if (mistake.seed, reason) in seen:
            later.append(mistake)
            continue
        seen.add((mistake.seed, reason))
        queues.setdefault(reason, []).append(mistake)
    ordered: list[Mistake] = []
    while any(queues.values()):
        for queue in queues.values():
            if queue:
                ordered.append(queue.pop(0))
    return ordered + later


def mistake_lines(
    projects: dict[int, LabeledProject], mistakes: Sequence[Mistake], limit: int
) -> list[str]:
    lines = []
    for mistake in varied(projects, mistakes)[:limit]:
        project = projects[mistake.seed]
        a, b = mistake.pair
        reason = _reason(project, mistake)
        lines.append(f"  seed {mistake.seed:<5} {mistake.kind:<7}{reason}")
        lines.append(f"      {_describe(project, a)}")
        lines.append(f"    ~ {_describe(project, b)}")
    return lines


def report(
    name: str, seeds: range, projects: list[LabeledProject], scores: Scores, show: int
) -> str:
    by_seed = {project.seed: project for project in projects}
    per_project = scores.seconds / scores.projects * 1000 if scores.projects else 0.0
    lines = [
        f"== {name} split: seeds {seeds.start}-{seeds.stop - 1}, {scores.projects} projects, "
        f"{scores.models} first-party models",
        f"  planted    {scores.planted_groups:4} groups  {scores.planted_pairs:5} pairs",
        f"  predicted  {scores.predicted_groups:4} groups  {scores.predicted_pairs:5} pairs"
        f"   ({scores.seconds:.2f} s, {per_project:.1f} ms per project)",
        f"  correct                {scores.correct_pairs:5} pairs",
        f"  precision {scores.precision:.3f}   recall {scores.recall:.3f}   F1 {scores.f1:.3f}   "
        f"exact groups {scores.exact_groups}/{scores.planted_groups} "
        f"({scores.exact_group_accuracy:.0%})",
    ]
    kinds = ", ".join(
        f"{kind} {found}/{planted}" for kind, (planted, found) in sorted(scores.by_kind.items())
    )
    lines.append(f"  pairs found per planted kind: {kinds}")
    reasons = Counter(why_false(by_seed[m.seed], m.pair) for m in scores.false_pairs)
    if reasons:
        lines.append("  false pairs by what they join:")
        lines += [f"    {count:4}  {reason}" for reason, count in reasons.most_common(12)]
    if scores.failures:
        lines.append(f"  the detector raised on {len(scores.failures)} projects:")
        lines += [f"    seed {seed}: {error}" for seed, error in scores.failures[:5]]
    if show:
        half = max(1, show // 2)
        lines.append(f"  false pairs, a varied sample ({len(scores.false_pairs)} in all):")
        lines += mistake_lines(by_seed, scores.false_pairs, half)
        lines.append(f"  missed pairs, a varied sample ({len(scores.missed_pairs)} in all):")
        lines += mistake_lines(by_seed, scores.missed_pairs, show - half)
    return "\n".join(lines)


def _setup_django() -> None:
    import django
    from django.conf import settings

    if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        settings.configure(
            INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
            DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
            USE_TZ=True,
        )
    django.setup()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--split", choices=[*SPLITS, "both"], default="both")
    parser.add_argument("--show", type=int, default=14, help="mistakes to print per split")
    args = parser.parse_args(argv)
    _setup_django()
    from tests.schemas.generator import generate_project

    try:
        from django_remodel.audit.duplicates import find_duplicate_groups
    except Exception:
        print(
            "The detector cannot be imported yet: "
            "'from django_remodel.audit.duplicates import find_duplicate_groups' failed:\n",
            file=sys.stderr,
        )
        traceback.print_exc()
        return 2

    def predict(graph: ModelGraph) -> list[tuple[str, ...]]:
        return [tuple(result.models) for result in find_duplicate_groups(graph)]

    names = list(SPLITS) if args.split == "both" else [args.split]
    summary = []
    for name in names:
        seeds = SPLITS[name]
        projects = [generate_project(seed) for seed in seeds]
        scores = pairwise_scores(projects, predict)
        print(report(name, seeds, projects, scores, args.show))
        print()
        summary.append((name, scores))
    print(f"{'split':10} {'precision':>9} {'recall':>7} {'F1':>6} {'exact groups':>13}")
    for name, scores in summary:
        exact = f"{scores.exact_groups}/{scores.planted_groups}"
        print(
            f"{name:10} {scores.precision:9.3f} {scores.recall:7.3f} {scores.f1:6.3f} {exact:>13}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
