"""Benchmark: the whole routing step against natasha's bare pipeline, on the same texts, same run.

    .venv/bin/python bench/routing.py [--model MODEL.joblib] [--n 1000] [--repeat 3]

Prints messages/s and ms/message of (a) natasha segment + morphology + NER, batched like the
routing pipeline, (b) the whole routing step without a database (analysis with case restoration
and lemmas, extraction, language, special kinds, classification, rules and the decision), their
ratio, and the process's peak resident memory. (a) is natasha as Doc.tag_ner runs it: slovnet
tokenises each text again for NER; (b) hands NER the segmenter's tokens (nlp.WordsNER), with the
same spans on every shipped message. The two take turns batch by batch (see
interleaved()). Without --model a model is trained on the shipped
data in a child process first, so training does not count towards the worker's memory.
"""
import argparse
import csv
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "helpdesk" / "routing" / "data" / "kursk-appeals-train.csv"
BATCH = 32


def read_texts() -> list[str]:
    with open(DATA, encoding="utf-8") as fh:
        return [row["text"] for row in csv.DictReader(fh)]


def train(out: str) -> None:
    from helpdesk.routing.service import DEFAULT_LABEL_COLUMN, fit_and_save, read_csv

    texts, labels = read_csv(DATA, "text", DEFAULT_LABEL_COLUMN)
    fit_and_save(texts, labels, out)


def bare(texts: list[str]) -> None:
    """natasha's segment + morph + NER, batched exactly like the routing pipeline."""
    from natasha import Doc

    from helpdesk.routing.nlp import get_pipeline, run_batched

    pipe = get_pipeline()
    for i in range(0, len(texts), BATCH):
        docs = [Doc(t) for t in texts[i:i + BATCH]]
        sents = []
        for doc in docs:
            doc.segment(pipe.segmenter)
            sents.extend(doc.sents)
        words = [[t.text for t in s.tokens] for s in sents]
        for sent, markup in zip(sents, run_batched(pipe.morph_tagger, words,
                                                   [len(w) for w in words]), strict=False):
            for token, tag in zip(sent.tokens, markup.tokens, strict=False):
                token.pos, token.feats = tag.pos, tag.feats
        markups = run_batched(pipe.ner_tagger, [d.text for d in docs],
                              [len(d.tokens) for d in docs])
        for doc, markup in zip(docs, markups, strict=False):
            doc.spans = markup.spans


def unbatched(texts: list[str]) -> None:
    """natasha as its README shows it: one Doc at a time (for reference)."""
    from natasha import Doc

    from helpdesk.routing.nlp import get_pipeline

    pipe = get_pipeline()
    for text in texts:
        doc = Doc(text)
        doc.segment(pipe.segmenter)
        doc.tag_morph(pipe.morph_tagger)
        doc.tag_ner(pipe.ner_tagger)


def make_router(model_path: str):
    from helpdesk.routing.classifier import load_model
    from helpdesk.routing.decide import RoutingConfig
    from helpdesk.routing.defaults import RULES, TOPIC_DEPARTMENTS, lemmatise_keywords
    from helpdesk.routing.rules import make_rule
    from helpdesk.routing.service import route_texts

    model, meta = load_model(model_path)
    names = sorted(set(TOPIC_DEPARTMENTS.values()) | {r[0] for r in RULES})
    ids = {name: i + 1 for i, name in enumerate(names)}
    rules = [make_rule(i, ids[d], n, lemmatise_keywords(k), 0.3) for i, (d, n, k) in
             enumerate(RULES)]
    config = RoutingConfig(0.6, {t: ids[d] for t, d in TOPIC_DEPARTMENTS.items()},
                           model_version=meta.get("version"))

    def route(texts: list[str]) -> list:
        out = []
        for i in range(0, len(texts), BATCH):
            out.extend(route_texts(texts[i:i + BATCH], rules, config, model))
        return out
    return route


def timed(fn, texts) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): CPU time is what other load cannot inflate."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(texts)
    return time.perf_counter() - wall, time.process_time() - cpu


def interleaved(fns: dict, texts: list[str]) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of each fn over all texts, the fns taking turns batch by batch (the
    order alternating): this machine's speed drifts by a quarter within a minute, and a drift
    then falls on both sides alike instead of on whichever ran during it."""
    totals = {name: [0.0, 0.0] for name in fns}
    order = list(fns)
    for n, start in enumerate(range(0, len(texts), BATCH)):
        chunk = texts[start:start + BATCH]
        for name in (order if n % 2 == 0 else order[::-1]):
            wall, cpu = timed(fns[name], chunk)
            totals[name][0] += wall
            totals[name][1] += cpu
    return {name: (wall, cpu) for name, (wall, cpu) in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a trained model (.joblib); trained if omitted")
    parser.add_argument("--n", type=int, default=1000, help="messages per timed run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--train-only", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.train_only:
        train(args.train_only)
        return
    model_path = args.model
    tmpdir = None
    if not model_path:
        tmpdir = tempfile.TemporaryDirectory()
        model_path = os.path.join(tmpdir.name, "bench-model.joblib")
        print("training a model on the shipped data in a child process ...", flush=True)
        subprocess.run([sys.executable, __file__, "--train-only", model_path], check=True)

    from helpdesk.routing.nlp import get_pipeline

    t0 = time.perf_counter()
    get_pipeline()
    route = make_router(model_path)
    load_s = time.perf_counter() - t0
    texts = read_texts()
    warm, timed_texts = texts[:200], texts[200:200 + args.n]
    bare(warm)
    route(warm)  # warms lemma/morphology caches on other texts than the timed ones
    runs = {"bare": [], "routing": [], "unbatched": []}
    for _ in range(args.repeat):
        for name, figures in interleaved({"bare": bare, "routing": route}, timed_texts).items():
            runs[name].append(figures)
    runs["unbatched"].append(timed(unbatched, timed_texts))
    n = len(timed_texts)
    wall = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
    chars = statistics.median(len(t) for t in timed_texts)
    print(f"texts: {n} real messages (median {chars:.0f} characters), {args.repeat} runs, medians")
    print(f"models loaded in {load_s:.1f} s")
    print(f"{'':40s} {'wall msg/s':>10s} {'ms/msg':>8s} {'CPU msg/s':>10s} {'ms/msg':>8s}")
    for key, label in (("bare", "natasha segment+morph+NER (batched)"),
                       ("routing", "whole routing step (no DB)"),
                       ("unbatched", "natasha one Doc at a time (reference)")):
        print(f"{label:40s} {n / wall[key]:10.1f} {1000 * wall[key] / n:8.2f}"
              f" {n / cpu[key]:10.1f} {1000 * cpu[key] / n:8.2f}")
    print(f"ratio routing / bare natasha: wall {wall['routing'] / wall['bare']:.2f}, "
          f"CPU {cpu['routing'] / cpu['bare']:.2f} (target <= 1.3)")
    first = runs["routing"][0][1] / runs["bare"][0][1]
    print(f"first run only (lemma caches cold for these texts): CPU ratio {first:.2f}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_mb:.0f} MB (target <= 500 MB)")
    if tmpdir:
        tmpdir.cleanup()


if __name__ == "__main__":
    main()
