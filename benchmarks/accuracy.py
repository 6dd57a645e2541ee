"""How well chanjia_nlp reads real reports: every gold set scored, and the learned binder
cross-validated by document on ``../shared/real-dev``.

    python benchmarks/accuracy.py [--folds 5] [--set NAME=TEXTS:GOLD[:METADATA.csv] …] [--no-cv]

Scores come from ``../shared/tools/score.py`` (mention, claim, programme F1; subject, period
and scope accuracy over correct claims). Three kinds of figure are printed, and only the last is
a measure of generalization:

- *shipped model*: the model in ``src/chanjia_nlp/models/``, trained on every set below, so on
  those sets it is scored on text it was fitted to (in-sample);
- *rules*: the rule tables alone (``binder="rules"``); the rules were written while looking at
  the seeds, the team's sets and real-dev folds 0–3;
- *cross-validated*: real-dev split into 5 folds by document (:func:`chanjia_nlp.claims.train.folds`);
  for each fold a model is trained on the other four folds and the team's sets, and extracts the
  fold it never saw; the five folds' records are scored together. Fold 4 was also kept from
  the people writing rules, so its row is the one figure on text neither rules nor model saw.

``--set`` adds a gold folder the project does not ship (a real set kept outside the project),
scored with the shipped model and the rules.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _scorer(shared: Path):
    path = shared / "tools" / "score.py"
    spec = importlib.util.spec_from_file_location("chanjia_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extract_set(docs, pipeline, out: Path) -> None:
    """Extract the reports of a gold set as ``chanjia extract`` would, into JSONL."""
    from chanjia_nlp.readers import read_document
    from chanjia_nlp.records import to_dict

    with out.open("w", encoding="utf-8") as f:
        for doc in docs:
            document, text = read_document(doc.path, display_path=doc.path.name)
            if text is None:
                continue
            published = doc.published or document.published
            for record in pipeline.extract(text, published=published):
                f.write(json.dumps(to_dict(record, doc_id=document.doc_id, path=doc.path.name), ensure_ascii=False) + "\n")


def score(scorer, pred: Path, gold_dir: Path, names: set[str] | None = None) -> dict:
    """``score.py --json`` on ``pred`` against ``gold_dir`` (only the documents in ``names``)."""
    if names is not None:
        tmp = Path(tempfile.mkdtemp())
        for g in gold_dir.glob("*.jsonl"):
            if g.stem in names:
                (tmp / g.name).write_bytes(g.read_bytes())
        gold_dir = tmp
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        scorer.main([str(pred), str(gold_dir), "--json"])
    return json.loads(buffer.getvalue().splitlines()[0])


def row(name: str, result: dict) -> str:
    m, c, p = result["mention"], result["claim"], result["programme"]
    return (f"| {name} | {m['f1']:.3f} | {c['f1']:.3f} | {c['subject_acc']:.3f} | {c['period_acc']:.3f} "
            f"| {c['scope_acc']:.3f} | {p['f1']:.3f} | {c['gold']} |")


HEADER = ("| set | mention F1 | claim F1 | subject | period | scope | programme F1 | gold claims |\n"
          "|---|---|---|---|---|---|---|---|")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=TEXTS:GOLD[:METADATA]")
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="write every set's records (and the cross-validated real-dev-cv.jsonl) to DIR")
    args = parser.parse_args(argv)
    if not (args.shared / "tools" / "score.py").is_file():
        print(f"no scorer at {args.shared}/tools/score.py: this benchmark needs ../shared beside the checkout",
              file=sys.stderr)
        return 2

    import chanjia_nlp
    from chanjia_nlp.claims import train

    scorer = _scorer(args.shared)
    sets = train.standard_sets(ROOT, args.shared)
    for spec in args.set:
        name, _, paths = spec.partition("=")
        texts, gold, *meta = paths.split(":")
        sets[name] = train.gold_set(name, Path(texts), Path(gold), Path(meta[0]) if meta else None)
    work = args.keep or Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    learned, rules = chanjia_nlp.load(binder="learned"), chanjia_nlp.load(binder="rules")
    print(HEADER)
    for name, docs in sets.items():
        gold_dir = _gold_dir(docs)
        for label, pipeline in (("shipped model", learned), ("rules", rules)):
            out = work / f"{name}-{label.replace(' ', '-')}.jsonl"
            extract_set(docs, pipeline, out)
            print(row(f"{name}, {label}" + (" (in-sample)" if label == "shipped model" and name in
                                            ("real-dev", "seeds", "heldout-1", "heldout-2", "heldout-3") else ""),
                      score(scorer, out, gold_dir)), flush=True)
    if args.no_cv or "real-dev" not in sets:
        return 0
    started = time.perf_counter()
    real = sets["real-dev"]
    team = [d for name, docs in sets.items() if name in ("seeds", "heldout-1", "heldout-2", "heldout-3") for d in docs]
    fold_of = train.folds((d.name for d in real), args.folds)
    team_examples = train.collect(team)
    real_examples = train.collect(real)
    out = work / "real-dev-cv.jsonl"
    out.write_text("", encoding="utf-8")
    for k in range(args.folds):
        held = [d for d in real if fold_of[d.name] == k]
        trained = real_examples.where(lambda doc, k=k: fold_of[doc.split("/", 1)[1]] != k) + team_examples
        model_path = work / f"fold{k}.json.gz"
        train.fit_binder(trained).save(model_path)
        part = work / f"fold{k}.jsonl"
        extract_set(held, chanjia_nlp.load(binder="learned", binder_model=model_path), part)
        with out.open("a", encoding="utf-8") as f:
            f.write(part.read_text(encoding="utf-8"))
    gold_dir = _gold_dir(real)
    print(row(f"real-dev, {args.folds}-fold cross-validated", score(scorer, out, gold_dir)))
    for k in range(args.folds):
        names = {d.name for d in real if fold_of[d.name] == k}
        print(row(f"real-dev fold {k}, cross-validated", score(scorer, out, gold_dir, names)))
    print(f"\n(cross-validation: {time.perf_counter() - started:.0f} s)")
    return 0


def _gold_dir(docs) -> Path:
    """The gold folder of a set (every document of a set shares one)."""
    return docs[0].gold_path.parent


if __name__ == "__main__":
    raise SystemExit(main())
