"""How consistent the Kursk labels are: the same or nearly the same text, and its categories.

    .venv/bin/python bench/routing_labels.py [--data FILE.csv] [--label-column category_name]

Issue 4 asks 5-fold cross-validated accuracy ≥ 0.88 and coverage_at_95_precision ≥ 0.70 on the
shipped Kursk messages. This prints how often two messages with the same words carry different
labels, which bounds what any classifier can score on them:

- messages whose text is identical once case and spaces are set aside, and how many of those
  groups carry more than one label;
- pairs of messages by the cosine similarity of their word TF-IDF vectors (≥ 0.95 … ≥ 0.6), and
  the share of those pairs whose labels differ;
- the accuracy that copying the label of the single most similar other message reaches, for the
  messages whose nearest neighbour is that close (what memorising the data could do at best).
"""
import argparse
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "helpdesk" / "routing" / "data" / "kursk-appeals-train.csv"
THRESHOLDS = (0.95, 0.9, 0.8, 0.7, 0.6)


def read(path: Path, label_column: str) -> tuple[list[str], np.ndarray]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or label_column not in rows[0]:
        sys.exit(f"{path}: no rows or no column {label_column!r}")
    return [r["text"] for r in rows], np.array([r[label_column] for r in rows], dtype=object)


def identical_groups(texts: list[str], labels: np.ndarray) -> tuple[int, int, int]:
    """(groups of identical texts, of them with > 1 label, messages in those groups)."""
    groups = defaultdict(list)
    for i, text in enumerate(texts):
        groups[re.sub(r"\s+", " ", text.strip().lower())].append(i)
    repeated = [g for g in groups.values() if len(g) > 1]
    mixed = [g for g in repeated if len(set(labels[g])) > 1]
    return len(repeated), len(mixed), sum(len(g) for g in repeated)


def similarities(texts: list[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    X = TfidfVectorizer(sublinear_tf=True, token_pattern=r"(?u)\b\w+\b").fit_transform(
        [t.lower() for t in texts])
    S = (X @ X.T).toarray()
    np.fill_diagonal(S, -1.0)
    return S


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--label-column", default="category_name")
    args = parser.parse_args()
    texts, labels = read(args.data, args.label_column)
    groups, mixed, members = identical_groups(texts, labels)
    print(f"{len(texts)} messages, {len(set(labels))} labels ({args.label_column})")
    print(f"identical texts: {groups} groups ({members} messages), {mixed} of them with "
          f"more than one label")
    S = similarities(texts)
    upper = np.triu(S, 1)
    nearest = S.argmax(axis=1)
    nearest_sim = S[np.arange(len(texts)), nearest]
    print("cosine ≥  pairs  labels differ  | messages with a neighbour that close  1-NN accuracy")
    for th in THRESHOLDS:
        i, j = np.where(upper >= th)
        differ = float((labels[i] != labels[j]).mean()) if len(i) else float("nan")
        close = nearest_sim >= th
        nn_acc = float((labels[nearest[close]] == labels[close]).mean()) if close.any() else 0
        print(f"  {th:.2f}  {len(i):6d}  {differ:12.1%}  | {int(close.sum()):6d} "
              f"({close.mean():5.1%})                      {nn_acc:.3f}")


if __name__ == "__main__":
    main()
