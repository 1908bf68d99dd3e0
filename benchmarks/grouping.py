"""Benchmark: the aspect grouping of step 3 against hand-labelled keyword sets.

    .venv/bin/python benchmarks/grouping.py [--sweep]

Reads ``benchmarks/grouping_data/dev.txt`` (tuned on) and ``test.txt`` (held out: written
before any tuning, never tuned on), runs ``visionswerk.workshops.grouping.suggest_groups``
on each and prints pairwise precision, recall and F1 (a pair of aspects counts when both are
in one suggested group; it is right when both are in one labelled group), the same for a
character-trigram baseline, and the time to group 300 aspects on one core (CPU and
wall-clock seconds; the first call of a process also loads the model, shown apart).
``--sweep`` also prints the scores on the dev set for a range of thresholds. Runs offline
(HF_HUB_OFFLINE=1 changes nothing: the model is inside an installed wheel). Not part of the
test run.
"""

from __future__ import annotations

import os

# One core, as the target says: pin BLAS to one thread before numpy is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import itertools  # noqa: E402
import pathlib  # noqa: E402
import time  # noqa: E402

DATA = pathlib.Path(__file__).with_name("grouping_data")
ALONE = "(allein)"
# Best dev-set threshold (precision >= 0.7) when the theme list is left out.
NO_THEME_THRESHOLD = 0.45


def load(name: str) -> tuple[list[str], list[int]]:
    """Keywords and their labels; every item under "## (allein)" gets a label of its own."""
    texts: list[str] = []
    labels: list[int] = []
    label, alone = -1, False
    for raw in (DATA / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("## "):
            label += 1
            alone = line[3:].strip() == ALONE
        elif line and not line.startswith("#"):
            texts.append(line)
            labels.append(-1 - len(texts) if alone else label)
    return texts, labels


def pairs(groups: list[list[int]]) -> set[tuple[int, int]]:
    return {(a, b) for g in groups for a, b in itertools.combinations(sorted(g), 2)}


def score(groups: list[list[int]], labels: list[int]) -> tuple[float, float, float]:
    by_label: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        by_label.setdefault(lab, []).append(i)
    gold, got = pairs(list(by_label.values())), pairs(groups)
    hit = len(gold & got)
    precision = hit / len(got) if got else 0.0
    recall = hit / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hit else 0.0
    return precision, recall, f1


def trigram_baseline(texts: list[str], threshold: float = 0.5) -> list[list[int]]:
    """Character trigrams of the lower-cased text, Jaccard >= threshold, joined transitively."""

    def grams(t: str) -> set[str]:
        t = f"  {t.casefold()} "
        return {t[i : i + 3] for i in range(len(t) - 2)}

    sets = [grams(t) for t in texts]
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in itertools.combinations(range(len(texts)), 2):
        if len(sets[i] & sets[j]) / len(sets[i] | sets[j]) >= threshold:
            parent[find(i)] = find(j)
    comps: dict[int, list[int]] = {}
    for i in range(len(texts)):
        comps.setdefault(find(i), []).append(i)
    return [c for c in comps.values() if len(c) > 1]


def without_themes(texts: list[str]) -> list[list[int]]:
    """Ablation: embeddings, stems, compounds and thesaurus only (threshold tuned on dev)."""
    from visionswerk.workshops import grouping

    return grouping.suggest_groups(texts, threshold=NO_THEME_THRESHOLD, theme_weight=0.0)


def three_hundred(sets: list[list[str]]) -> list[str]:
    """300 aspects from the labelled keywords, the rest as participants vary them."""
    base = [t for s in sets for t in s]
    variants = [f"{t} im Ort" for t in base] + [f"mehr {t}" for t in base]
    return (base + variants)[:300]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sweep", action="store_true", help="dev-set scores per threshold")
    parser.add_argument(
        "--sets", default="dev,test", help="comma-separated; while tuning: --sets dev"
    )
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    from visionswerk.workshops import grouping

    sets = {name: load(f"{name}.txt") for name in args.sets.split(",")}
    big = three_hundred([load("dev.txt")[0], load("test.txt")[0]])
    timings = []
    for _ in range(2):  # the first call of a process loads the model and the word lists
        cpu, wall = time.process_time(), time.perf_counter()
        grouping.suggest_groups(big)
        timings.append((time.process_time() - cpu, time.perf_counter() - wall))

    print(f"{'set':<10}{'method':<22}{'items':>6}{'groups':>7}{'P':>7}{'R':>7}{'F1':>7}")
    for name, (texts, labels) in sets.items():
        n_groups = len({lab for lab in labels if lab >= 0})
        for method, fn in (
            ("suggest_groups", grouping.suggest_groups),
            ("  without theme list", without_themes),
            ("trigram baseline", trigram_baseline),
        ):
            p, r, f = score(fn(texts), labels)
            print(f"{name:<10}{method:<22}{len(texts):>6}{n_groups:>7}{p:>7.2f}{r:>7.2f}{f:>7.2f}")
    (cold_cpu, cold_wall), (warm_cpu, warm_wall) = timings
    print(
        f"300 aspects on one core: {warm_cpu:.2f} s CPU ({warm_wall:.2f} s wall); first call "
        f"of the process, loading the model: {cold_cpu:.2f} s CPU ({cold_wall:.2f} s wall)"
    )

    if args.sweep:
        texts, labels = load("dev.txt")
        for t in [x / 100 for x in range(30, 71, 5)]:
            p, r, f = score(grouping.suggest_groups(texts, threshold=t), labels)
            print(f"dev threshold {t:.2f}: P {p:.2f} R {r:.2f} F1 {f:.2f}")


if __name__ == "__main__":
    main()
