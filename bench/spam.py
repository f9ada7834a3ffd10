"""Spam filter quality: precision and recall on a held-out split of a generated,
labelled corpus (bench/corpus.py: the held-out part is written from a vocabulary of its
own, topics, ham sentences, spam templates and link domains the training part never
saw), for the cold-start rules and for the naive Bayes filter
trained on the training part as if moderators had decided those comments.
Run with `make bench-spam`. Writes bench/results/spam.json.
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

COUNT = int(os.environ.get("BENCH_SPAM_COMMENTS", "3000"))
THRESHOLD = 0.8  # ModerationRules.spam_threshold's default


def precision_recall(scores, labels, threshold=THRESHOLD):
    flagged = [label for score, label in zip(scores, labels, strict=True) if score > threshold]
    caught = sum(flagged)
    precision = caught / len(flagged) if flagged else 1.0
    recall = caught / sum(labels) if sum(labels) else 1.0
    return round(precision, 3), round(recall, 3)


def main() -> None:
    from corpus import generate

    from broadsheet.moderation.spam import Model, rule_score

    cut = int(COUNT * 0.7)
    train = generate(cut, seed=20261125, part="training")
    test = generate(COUNT - cut, seed=20261126, part="held-out")
    texts, labels = [t for t, _ in test], [label for _, label in test]
    began = time.perf_counter()
    model = Model.train([t for t, _ in train], [label for _, label in train])
    train_ms = (time.perf_counter() - began) * 1000
    began = time.perf_counter()
    trained = [model.score(t)[0] for t in texts]
    score_ms = (time.perf_counter() - began) * 1000 / len(texts)
    rules = [rule_score(t)[0] for t in texts]
    results = {
        "comments": COUNT,
        "held_out": len(test),
        "threshold": THRESHOLD,
        "rules_precision_recall": precision_recall(rules, labels),
        "trained_precision_recall": precision_recall(trained, labels),
        "train_ms": round(train_ms, 1),
        "score_ms": round(score_ms, 3),
    }
    print(
        f"| spam filter (held-out {len(test)} of {COUNT}, threshold {THRESHOLD})"
        " | precision | recall |"
    )
    print("|---|---:|---:|")
    print("| cold-start rules | {} | {} |".format(*results["rules_precision_recall"]))
    print(
        "| trained on moderators' decisions | {} | {} |".format(
            *results["trained_precision_recall"]
        )
    )
    print(
        f"training {train_ms:.0f} ms on {len(train)} decisions;"
        f" scoring {score_ms:.2f} ms per comment"
    )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "spam.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
