"""Checks of the training data, and ``python -m bot.nlu.validate``: ours, then Rasa's.

Our checks speak the trainer's language and point at file and line: broken
YAML, every label in every language with enough examples, no example twice or
under two labels, every response of ``domain.yml`` in every language. Then
``rasa data validate`` (Rasa's environment) checks what Rasa itself cares
about, unless a file did not even parse.

    .venv/bin/python -m bot.nlu.validate [--nlu-dir DIR] [--domain FILE] [--min-examples N] [--skip-rasa]

Exit status 0 only when every check passed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from ruamel.yaml.comments import CommentedMap

from bot.core.languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.core.paths import NLU_DATA_DIR, PROJECT_ROOT
from bot.nlu.model_cache import RASA_BIN, rasa_environment
from bot.nlu.training_data import (
    FAQ_FILE,
    NLU_FILE,
    Check,
    Example,
    NluData,
    Problem,
    example_key,
    load_nlu_data,
    read_yaml_document,
)

__all__ = [
    "DEFAULT_MIN_EXAMPLES",
    "check_domain",
    "check_nlu_data",
    "check_training_data",
    "main",
    "run_rasa_validate",
]

DEFAULT_MIN_EXAMPLES: Final = 20
DEFAULT_DOMAIN: Final = PROJECT_ROOT / "domain.yml"
LANGUAGE_SLOT: Final = "language"


def _expected_path(data: NluData, language: str, label: str) -> Path:
    return data.nlu_dir / language / (FAQ_FILE if "/" in label else NLU_FILE)


def _check_languages(data: NluData, languages: Sequence[str]) -> Iterator[Problem]:
    for language in languages:
        if language not in data.languages:
            yield Problem(Check.LANGUAGES, data.nlu_dir / language, None, f"no training data for language {language}")
    for language in data.languages:
        if language not in languages:
            yield Problem(Check.LANGUAGES, data.nlu_dir / language, None, f"{language} is not a supported language")


def _check_counts(data: NluData, languages: Sequence[str], min_examples: int) -> Iterator[Problem]:
    """Every label in every language, with at least ``min_examples`` examples each."""
    per_language = {language: data.by_label(language) for language in languages}
    for label in data.labels():
        counts = {language: len(per_language[language].get(label, [])) for language in languages}
        for language, count in counts.items():
            others = ", ".join(f"{other} {n}" for other, n in counts.items() if other != language)
            if count == 0:
                path = _expected_path(data, language, label)
                yield Problem(Check.MISSING_LABEL, path, None, f"{label} has no examples in {language} ({others})")
            elif count < min_examples:
                first = per_language[language][label][0]
                yield Problem(
                    Check.TOO_FEW_EXAMPLES,
                    first.path,
                    first.line,
                    f"{label} has {count} examples in {language}, fewer than {min_examples} ({others})",
                )


def _check_duplicates(data: NluData, language: str) -> Iterator[Problem]:
    """No example twice in a label, none under two labels (the same once normalised)."""
    seen: dict[str, Example] = {}
    for example in data.examples:
        if example.language != language:
            continue
        key = example_key(example.text)
        first = seen.setdefault(key, example)
        if first is example:
            continue
        where = f"{first.path.name}:{first.line}"
        same_text = first.text.lower() == example.text.lower()
        if first.label != example.label:
            also = "" if same_text else f" as {first.text!r}"
            message = f"{example.text!r} is under {example.label} and{also} under {first.label} ({where})"
            yield Problem(Check.CONFLICTING_EXAMPLE, example.path, example.line, message)
        elif same_text:
            # Spelling variants the normaliser folds are only redundant, not wrong.
            yield Problem(
                Check.DUPLICATE_EXAMPLE,
                example.path,
                example.line,
                f"{example.text!r} is repeated in {example.label} (first at {where})",
            )


def check_nlu_data(
    data: NluData, min_examples: int = DEFAULT_MIN_EXAMPLES, languages: Sequence[str] = SUPPORTED_LANGUAGES
) -> list[Problem]:
    """Problems of the NLU data: reading, languages, label coverage and counts, duplicates.

    Labels are not counted in a language with a file that does not parse: its
    YAML problem is the one to fix, not the labels it seems to lack.
    """
    problems = [*data.problems, *_check_languages(data, languages)]
    present = [language for language in languages if language in data.languages]
    broken = {problem.path.parent.name for problem in data.problems if problem.check is Check.BROKEN_YAML}
    problems.extend(_check_counts(data, [language for language in present if language not in broken], min_examples))
    for language in present:
        problems.extend(_check_duplicates(data, language))
    return problems


def _variation_language(variation: Any) -> str | None:
    conditions = variation.get("condition") if isinstance(variation, CommentedMap) else None
    for condition in conditions or []:
        if isinstance(condition, CommentedMap) and condition.get("name") == LANGUAGE_SLOT:
            return str(condition.get("value"))
    return None


def check_domain(domain: Path, labels: Sequence[str], languages: Sequence[str] = SUPPORTED_LANGUAGES) -> list[Problem]:
    """Every response has a variation per language; every label is declared and faq key answered.

    A variation without a condition on the ``language`` slot is the default
    language's (English).
    """
    document, problem = read_yaml_document(domain)
    if problem is not None:
        return [problem]
    if not isinstance(document, CommentedMap) or not isinstance(document.get("responses"), CommentedMap):
        return [Problem(Check.MALFORMED, domain, None, "domain has no responses mapping")]
    problems: list[Problem] = []
    responses: CommentedMap = document["responses"]
    for name, variations in responses.items():
        line = responses.lc.key(name)[0] + 1
        if not isinstance(variations, list):
            problems.append(Problem(Check.MALFORMED, domain, line, f"response {name} is not a list of variations"))
            continue
        present = {_variation_language(v) or DEFAULT_LANGUAGE for v in variations}
        for language in languages:
            if language not in present:
                message = f"response {name} has no variation for {language} (condition on slot {LANGUAGE_SLOT})"
                problems.append(Problem(Check.MISSING_TRANSLATION, domain, line, message))
        for language in sorted(present - set(languages)):
            message = f"response {name} has a variation for unsupported language {language}"
            problems.append(Problem(Check.MISSING_TRANSLATION, domain, line, message))
    intents = document.get("intents") or []
    declared = {next(iter(i)) if isinstance(i, CommentedMap) else str(i) for i in intents}
    intents_line = document.lc.key("intents")[0] + 1 if "intents" in document else None
    for intent in sorted({label.split("/", 1)[0] for label in labels} - declared):
        message = f"intent {intent} is in the training data but not in the domain's intents"
        problems.append(Problem(Check.UNDECLARED_INTENT, domain, intents_line, message))
    responses_line = document.lc.key("responses")[0] + 1
    for label in labels:
        if "/" in label and f"utter_{label}" not in responses:
            message = f"{label} has no response utter_{label}"
            problems.append(Problem(Check.MISSING_RESPONSE, domain, responses_line, message))
    return problems


def check_training_data(
    nlu_dir: Path,
    domain: Path,
    min_examples: int = DEFAULT_MIN_EXAMPLES,
    languages: Sequence[str] = SUPPORTED_LANGUAGES,
) -> list[Problem]:
    """Every check of the NLU data and the domain, sorted by file and line."""
    data = load_nlu_data(nlu_dir)
    problems = check_nlu_data(data, min_examples, languages) + check_domain(domain, data.labels(), languages)
    return sorted(problems, key=lambda p: (str(p.path), p.line or 0))


def rasa_data_paths(nlu_dir: Path) -> list[str]:
    """What ``rasa data validate --data`` reads: the NLU folder and the rule and story files of data/."""
    return [str(nlu_dir), *(str(p) for p in sorted((PROJECT_ROOT / "data").glob("*.yml")))]


def run_rasa_validate(nlu_dir: Path, domain: Path) -> int:
    """Run ``rasa data validate`` in Rasa's environment, its output shown as is; its exit status."""
    if not RASA_BIN.exists():
        print(f"{RASA_BIN} is missing: run `make setup`", file=sys.stderr)
        return 1
    command = [
        str(RASA_BIN), "data", "validate", "--data", *rasa_data_paths(nlu_dir),
        "--domain", str(domain), "--config", str(PROJECT_ROOT / "config.yml"),
    ]  # fmt: skip
    return subprocess.run(command, cwd=PROJECT_ROOT, env=rasa_environment(), check=False).returncode


def _shown(problem: Problem) -> str:
    """``path:line: message``, the path relative to the current folder when inside it."""
    path = problem.path.resolve()
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    return str(Problem(problem.check, shown, problem.line, problem.message))


def main(argv: Sequence[str] | None = None) -> int:
    """Print every problem, run Rasa's validation; 0 only when all is well."""
    parser = argparse.ArgumentParser(prog="python -m bot.nlu.validate", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--nlu-dir", type=Path, default=NLU_DATA_DIR, help="NLU data, DIR/<lang>/*.yml")
    parser.add_argument("--domain", type=Path, default=DEFAULT_DOMAIN, help="the domain (default domain.yml)")
    parser.add_argument(
        "--min-examples", type=int, default=DEFAULT_MIN_EXAMPLES, help="fewest examples per label and language"
    )
    parser.add_argument("--skip-rasa", action="store_true", help="do not run `rasa data validate`")
    args = parser.parse_args(argv)
    nlu_dir, domain = args.nlu_dir.resolve(), args.domain.resolve()
    problems = check_training_data(nlu_dir, domain, args.min_examples)
    for problem in problems:
        print(_shown(problem))
    if args.skip_rasa:
        rasa = "skipped"
    elif any(problem.check is Check.BROKEN_YAML for problem in problems):
        rasa = "not run (fix the YAML first)"
    else:
        sys.stdout.flush()
        rasa = "passed" if run_rasa_validate(nlu_dir, domain) == 0 else "failed"
    ok = not problems and rasa in {"passed", "skipped"}
    count = f"{len(problems)} problem{'' if len(problems) == 1 else 's'}" if problems else "no problems"
    print(f"{'OK' if ok else 'FAILED'}: {count} in the training data; rasa data validate {rasa}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
