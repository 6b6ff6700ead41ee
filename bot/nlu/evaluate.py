"""NLU evaluation split by language: ``make evaluate`` (runs in Rasa's environment).

Two modes, both writing per run under ``reports/``: a table (``f1.md``,
``f1.json``), a plot (``f1.png``), a confusion matrix per language
(``confusion-<lang>.png``), the most frequent confusions with example texts
(in ``f1.md`` and ``f1.json``), and ``diff.md``, the change since the newest
earlier report of the same mode (``bot/nlu/evaluation_diff.py``):

- cross-validation (default): the training data of all languages
  (``--nlu-dir``, default ``data/nlu``) is split into K stratified folds; for
  each fold one model is trained on the rest, as in production (one model for
  all languages), and the held-out examples are predicted. Scores are then
  computed per language.
- ``--test-dir DIR``: the model trained on all data (cached by input hash)
  predicts the examples of ``DIR/<lang>.yml``, files in Rasa's NLU format,
  and of ``DIR/latin/<lang>.yml``: Armenian and Persian typed in Latin letters.

Labels are full retrieval intents (``faq/warranty``): "intent F1" scores the
intent classifier (all faq keys count as ``faq``), "response F1" scores the
full label, the response selector included. Both score the classifier's top
intent; how often the FallbackClassifier would have asked to rephrase instead
is reported beside them as the fallback rate.

Beside them, what matters most to a customer (``–`` where a set has no such examples):

- in-scope intent F1: intent F1 over the examples that are not ``out_of_scope``;
- out-of-scope recall: the share of ``out_of_scope`` examples kept from an FAQ
  answer (classified ``out_of_scope``, or sent to the fallback);
- complaint recall: the share of ``complain`` examples classified so, without falling back;
- Latin-script accuracy: the share of ``latin/`` examples given their full label
  without falling back (``--test-dir`` only).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bot.core.languages import SUPPORTED_LANGUAGES
from bot.core.paths import NLU_DATA_DIR, PROJECT_ROOT, REPORTS_DIR
from bot.nlu.evaluation_diff import diff_reports, render_diff

LANGUAGES = SUPPORTED_LANGUAGES
Example = tuple[str, str, str]  # (language, text, full label)
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
COMPLAIN = "complain"
TOP_CONFUSIONS = 10  # (expected, predicted) pairs listed per language
EXAMPLES_PER_CONFUSION = 3
Prediction = tuple[str, bool]  # (top non-fallback full label, whether the fallback fired)


def load_examples(directory: Path) -> list[Example]:
    """Every example of ``directory/<lang>/*.yml`` (or ``directory/<lang>.yml``)."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples: list[Example] = []
    for language in LANGUAGES:
        path = directory / language
        if not path.exists():
            path = directory / f"{language}.yml"
        if not path.exists():
            continue
        data = load_data(str(path))
        for message in data.intent_examples:
            label = message.get("intent_response_key") or message.get("intent")
            examples.append((language, message.get("text"), label))
    return examples


def load_latin_examples(directory: Path) -> list[Example]:
    """The examples of ``directory/latin/<lang>.yml``: languages typed in Latin letters."""
    return load_examples(directory / "latin") if (directory / "latin").is_dir() else []


def _share(hits: list[bool]) -> float | None:
    return round(sum(hits) / len(hits), 4) if hits else None


def customer_recalls(
    examples: list[Example], predictions: list[Prediction], latin: list[bool]
) -> dict[str, float | None]:
    """One language's out-of-scope and complaint recall (own script) and Latin-script accuracy; None: no examples."""
    rows = list(zip(examples, predictions, latin, strict=True))
    native = [(truth, guess, fell) for (_, _, truth), (guess, fell), is_latin in rows if not is_latin]
    return {
        "out_of_scope_recall": _share(
            [fell or guess == OUT_OF_SCOPE for truth, guess, fell in native if truth == OUT_OF_SCOPE]
        ),
        "complaint_recall": _share(
            [guess == COMPLAIN and not fell for truth, guess, fell in native if truth == COMPLAIN]
        ),
        "latin_accuracy": _share(
            [guess == truth and not fell for (_, _, truth), (guess, fell), is_latin in rows if is_latin]
        ),
    }


def write_nlu_yaml(examples: list[Example], path: Path) -> None:
    by_label: dict[str, list[str]] = defaultdict(list)
    for _, text, label in examples:
        by_label[label].append(text)
    lines = ['version: "3.1"', "nlu:"]
    for label, texts in by_label.items():
        lines.append(f"- intent: {label}")
        lines.append("  examples: |")
        lines.extend(f"    - {text}" for text in texts)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def train_nlu(examples: list[Example], workdir: Path, config: Path, domain: Path) -> str:
    from rasa.model_training import train_nlu as rasa_train_nlu

    nlu_file = workdir / "nlu.yml"
    write_nlu_yaml(examples, nlu_file)
    model = rasa_train_nlu(config=str(config), nlu_data=str(nlu_file), output=str(workdir), domain=str(domain))
    if not model:
        raise SystemExit("training failed")
    return model


def predict(model_path: str, examples: list[Example]) -> list[Prediction]:
    """The full label the model's classifier gives each example, and whether it fell back."""
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)

    async def parse_all() -> list[Prediction]:
        predictions = []
        for _, text, _ in examples:
            parsed: dict[str, Any] = await agent.parse_message(text)
            fell_back = (parsed.get("intent") or {}).get("name") == FALLBACK
            ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK]
            intent = ranking[0]["name"] if ranking else "none"
            if intent == "faq":
                selector = parsed.get("response_selector", {}).get("faq", {}).get("response", {})
                intent = selector.get("intent_response_key") or "faq"
            predictions.append((intent, fell_back))
        return predictions

    return asyncio.run(parse_all())


def coarse(label: str) -> str:
    return label.split("/", 1)[0]


def scores(
    examples: list[Example], predictions: list[Prediction], latin: list[bool] | None = None
) -> dict[str, dict[str, Any]]:
    """Per language: weighted F1 of intents and of full labels and the fallback rate, over the examples
    in the language's own script, then :func:`customer_recalls`. ``latin`` marks examples typed in Latin letters."""
    from sklearn.metrics import f1_score

    latin = latin or [False] * len(examples)
    report: dict[str, dict[str, Any]] = {}
    for language in LANGUAGES:
        mine = [i for i, (lang, _, _) in enumerate(examples) if lang == language]
        native = [i for i in mine if not latin[i]]
        if not native:
            continue
        truth = [examples[i][2] for i in native]
        guess = [predictions[i][0] for i in native]
        fallbacks = [predictions[i][1] for i in native]
        labels = sorted(set(truth))
        per_label = f1_score(truth, guess, average=None, labels=labels, zero_division=0)
        coarse_f1 = f1_score(
            [coarse(t) for t in truth], [coarse(g) for g in guess], average="weighted", zero_division=0
        )
        errors = [
            {"text": examples[i][1], "expected": examples[i][2], "predicted": predictions[i][0]}
            for i in native
            if examples[i][2] != predictions[i][0]
        ]
        in_scope = [(coarse(t), coarse(g)) for t, g in zip(truth, guess, strict=True) if t != OUT_OF_SCOPE]
        in_scope_f1 = f1_score(*zip(*in_scope, strict=True), average="weighted", zero_division=0) if in_scope else None
        report[language] = {
            "examples": len(native),
            "intent_f1": round(float(coarse_f1), 4),
            "response_f1": round(float(f1_score(truth, guess, average="weighted", zero_division=0)), 4),
            "fallback_rate": round(sum(fallbacks) / len(fallbacks), 4),
            "per_label_f1": {label: round(float(v), 4) for label, v in zip(labels, per_label, strict=True)},
            "errors": errors,
            "confusions": most_confused(errors),
            "in_scope_intent_f1": None if in_scope_f1 is None else round(float(in_scope_f1), 4),
            **customer_recalls([examples[i] for i in mine], [predictions[i] for i in mine], [latin[i] for i in mine]),
        }
    return report


def most_confused(errors: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The most frequent (expected, predicted) pairs, with a few of their texts."""
    pairs = Counter((error["expected"], error["predicted"]) for error in errors)
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))[:TOP_CONFUSIONS]
    return [
        {
            "expected": expected,
            "predicted": predicted,
            "count": count,
            "examples": [e["text"] for e in errors if (e["expected"], e["predicted"]) == (expected, predicted)][
                :EXAMPLES_PER_CONFUSION
            ],
        }
        for (expected, predicted), count in ranked
    ]


def cross_validate(
    folds: int, config: Path, nlu_dir: Path = NLU_DATA_DIR, domain: Path = PROJECT_ROOT / "domain.yml", seed: int = 42
) -> tuple[list[Example], list[Prediction]]:
    examples = load_examples(nlu_dir)
    if not examples:
        raise SystemExit(f"no training examples in {nlu_dir}/<lang>/")
    by_stratum: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, (language, _, label) in enumerate(examples):
        by_stratum[(language, label)].append(index)
    fold_of = [0] * len(examples)
    rng = random.Random(seed)
    for indices in by_stratum.values():
        rng.shuffle(indices)
        for position, index in enumerate(indices):
            fold_of[index] = position % folds
    predicted: list[Prediction] = [("", False)] * len(examples)
    for fold in range(folds):
        started = time.monotonic()
        train = [e for e, f in zip(examples, fold_of, strict=True) if f != fold]
        test_indices = [i for i, f in enumerate(fold_of) if f == fold]
        with tempfile.TemporaryDirectory() as workdir:
            model = train_nlu(train, Path(workdir), config, domain)
            for index, label in zip(test_indices, predict(model, [examples[i] for i in test_indices]), strict=True):
                predicted[index] = label
        print(f"fold {fold + 1}/{folds} done in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return examples, predicted


CUSTOMER_SCORES = ("in_scope_intent_f1", "out_of_scope_recall", "complaint_recall", "latin_accuracy")


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def confusion_lines(report: dict[str, dict[str, Any]]) -> list[str]:
    """The ``f1.md`` section of the most frequent confusions, per language."""
    lines = ["", "## Most confused", ""]
    for language, row in report.items():
        lines += [f"### {language}", ""]
        if not row["confusions"]:
            lines += ["No example was misclassified.", ""]
            continue
        lines += ["| expected | predicted | count | examples |", "|---|---|---|---|"]
        for pair in row["confusions"]:
            texts = " · ".join(_cell(text) for text in pair["examples"])
            lines.append(f"| {pair['expected']} | {pair['predicted']} | {pair['count']} | {texts} |")
        lines.append("")
    return lines


def write_report(
    report: dict[str, dict[str, Any]],
    out_dir: Path,
    title: str,
    examples: list[Example],
    predictions: list[Prediction],
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "f1.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = [
        f"# {title}",
        "",
        "| language | examples | intent F1 | intent + faq key F1 | fallback rate "
        "| in-scope intent F1 | out-of-scope recall | complaint recall | Latin-script accuracy |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for language, row in report.items():
        customer = " | ".join(_figure(row.get(name)) for name in CUSTOMER_SCORES)
        lines.append(
            f"| {language} | {row['examples']} | {row['intent_f1']:.3f} | {row['response_f1']:.3f} "
            f"| {row['fallback_rate']:.3f} | {customer} |"
        )
    lines += ["", "## Per label F1", ""]
    labels = sorted({label for row in report.values() for label in row["per_label_f1"]})
    lines.append("| label | " + " | ".join(report) + " |")
    lines.append("|---|" + "---|" * len(report))
    for label in labels:
        lines.append(
            f"| {label} | " + " | ".join(f"{row['per_label_f1'].get(label, 0):.2f}" for row in report.values()) + " |"
        )
    lines += confusion_lines(report)
    (out_dir / "f1.md").write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
    plot(report, out_dir / "f1.png", title)
    for language in report:
        rows = [
            (truth, guess)
            for (lang, _, truth), (guess, _) in zip(examples, predictions, strict=True)
            if lang == language
        ]
        plot_confusion(rows, out_dir / f"confusion-{language}.png", f"{title}: {language}")
    print("\n".join(lines[: 4 + len(report)]))
    print(f"\nreport written to {out_dir}")


def plot(report: dict[str, dict[str, Any]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    languages = list(report)
    x = range(len(languages))
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar([i - 0.2 for i in x], [report[lang]["intent_f1"] for lang in languages], width=0.4, label="intent")
    ax.bar(
        [i + 0.2 for i in x], [report[lang]["response_f1"] for lang in languages], width=0.4, label="intent + faq key"
    )
    ax.set_xticks(list(x), languages)
    ax.set_ylim(0, 1)
    ax.axhline(0.9, color="grey", linestyle="--", linewidth=0.8)
    ax.set_ylabel("weighted F1")
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_confusion(rows: list[tuple[str, str]], path: Path, title: str) -> None:
    """Confusion matrix of full labels (rows expected, columns predicted), counts written in the cells."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    labels = sorted({label for row in rows for label in row})
    matrix = confusion_matrix([t for t, _ in rows], [g for _, g in rows], labels=labels)
    size = 2.5 + 0.42 * len(labels)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ticks = list(range(len(labels)))
    ax.set_xticks(ticks, labels, rotation=45, ha="right", rotation_mode="anchor", fontsize=8)
    ax.set_yticks(ticks, labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    ax.set_title(title)
    threshold = matrix.max() / 2 if matrix.size else 0
    for i, j in zip(*matrix.nonzero(), strict=True):
        colour = "white" if matrix[i, j] > threshold else "black"
        ax.text(j, i, str(matrix[i, j]), ha="center", va="center", color=colour, fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def previous_report(out_dir: Path, mode: str) -> Path | None:
    """The newest other ``<mode>-*`` report beside ``out_dir`` (reports/ by default)."""
    candidates = [
        d / "f1.json"
        for d in out_dir.parent.glob(f"{mode}-*")
        if d.resolve() != out_dir.resolve() and (d / "f1.json").is_file()
    ]
    return max(candidates, key=lambda f: f.stat().st_mtime).parent if candidates else None


def write_diff(report: dict[str, dict[str, Any]], out_dir: Path, mode: str, compare: str | None) -> None:
    """``diff.md``: the change since ``compare`` (a report folder) or the newest earlier report; printed too."""
    if compare == "none":
        return
    earlier = Path(compare) if compare else previous_report(out_dir, mode)
    if earlier is not None and earlier.name == "f1.json":
        earlier = earlier.parent
    if earlier is not None and not (earlier / "f1.json").is_file():
        raise SystemExit(f"--compare: no f1.json in {earlier}")
    if earlier is None:
        markdown = render_diff(None)
    else:
        old = json.loads((earlier / "f1.json").read_text(encoding="utf-8"))
        markdown = render_diff(diff_reports(old, report), earlier.name, out_dir.name)
    (out_dir / "diff.md").write_text(markdown, encoding="utf-8")
    print(f"\n{markdown}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    parser.add_argument("--nlu-dir", type=Path, help="cross-validate the data of DIR/<lang>/ (default data/nlu)")
    parser.add_argument("--domain", type=Path, help="domain for cross-validation (default domain.yml)")
    parser.add_argument("--test-dir", type=Path, help="evaluate the trained model on DIR/<lang>.yml instead")
    parser.add_argument(
        "--model", type=Path, help="model for --test-dir (default: the cached model for the current data)"
    )
    parser.add_argument("--config", type=Path, default=PROJECT_ROOT / "config.yml")
    parser.add_argument("--out", type=Path, help="report folder (default reports/<mode>-<time>)")
    parser.add_argument(
        "--compare",
        metavar="DIR",
        help="earlier report folder for diff.md (default: the newest earlier one of the same mode; none: no diff)",
    )
    args = parser.parse_args(argv)
    if args.test_dir and (args.nlu_dir or args.domain):
        parser.error("--nlu-dir and --domain are for cross-validation; --test-dir uses --model")
    logging.basicConfig(level=logging.WARNING)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if args.test_dir:
        from bot.nlu.model_cache import ensure_model

        mode, title = "test", f"Test set {args.test_dir.name}"
        model = args.model or ensure_model(PROJECT_ROOT / "models")
        native, romanized = load_examples(args.test_dir), load_latin_examples(args.test_dir)
        examples = native + romanized
        latin = [False] * len(native) + [True] * len(romanized)
        predicted = predict(str(model), examples)
    else:
        mode, title = "cv", f"{args.folds}-fold cross-validation"
        nlu_dir = args.nlu_dir or NLU_DATA_DIR
        if args.nlu_dir:
            title += f" of {args.nlu_dir}"
        domain = args.domain or PROJECT_ROOT / "domain.yml"
        examples, predicted = cross_validate(args.folds, args.config, nlu_dir, domain)
        latin = [False] * len(examples)
    out_dir = args.out or REPORTS_DIR / f"{mode}-{stamp}"
    report = scores(examples, predicted, latin)
    write_report(report, out_dir, title, examples, predicted)
    write_diff(report, out_dir, mode, args.compare)


if __name__ == "__main__":
    main()
