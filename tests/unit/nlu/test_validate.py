"""Each check catches its mistake, alone, in a copy of the shipped data (bot/nlu/validate.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.core.paths import NLU_DATA_DIR, PROJECT_ROOT
from bot.nlu.training_data import Check, Example, Problem, load_nlu_data
from bot.nlu.validate import check_domain, check_training_data, main


@pytest.fixture
def nlu_dir(tmp_path: Path) -> Path:
    shutil.copytree(NLU_DATA_DIR, tmp_path / "nlu")
    return tmp_path / "nlu"


@pytest.fixture
def domain(tmp_path: Path) -> Path:
    shutil.copy(PROJECT_ROOT / "domain.yml", tmp_path / "domain.yml")
    return tmp_path / "domain.yml"


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    """Load ``path`` round-trip, let ``change`` edit the document, write it back."""
    yaml = YAML()
    yaml.preserve_quotes = True
    document = yaml.load(path.read_text(encoding="utf-8"))
    change(document)
    with path.open("w", encoding="utf-8") as stream:
        yaml.dump(document, stream)


def change_examples(path: Path, label: str, change: Callable[[list[str]], list[str]]) -> None:
    """Rewrite the ``- text`` lines of ``label``'s block in ``path``."""

    def edit(document: Any) -> None:
        block = next(b for b in document["nlu"] if b["intent"] == label)
        block["examples"] = LiteralScalarString("".join(f"{line}\n" for line in change(block["examples"].splitlines())))

    edit_yaml(path, edit)


def find(nlu_dir: Path, language: str, label: str, text: str) -> Example:
    return next(e for e in load_nlu_data(nlu_dir).by_label(language)[label] if e.text == text)


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(problem) for problem in problems]
    return problems[0]


def test_the_copy_passes(nlu_dir: Path, domain: Path) -> None:
    assert check_training_data(nlu_dir, domain) == []


def test_a_response_lacking_one_language(nlu_dir: Path, domain: Path) -> None:
    def drop_persian(document: Any) -> None:
        variations = document["responses"]["utter_goodbye"]
        variations[:] = [v for v in variations if all(c["value"] != "fa" for c in v.get("condition", []))]

    edit_yaml(domain, drop_persian)
    problem = only(check_training_data(nlu_dir, domain))
    assert problem.check is Check.MISSING_TRANSLATION
    assert problem.path == domain
    assert problem.line == domain.read_text(encoding="utf-8").splitlines().index("  utter_goodbye:") + 1
    assert problem.message == "response utter_goodbye has no variation for fa (condition on slot language)"


def test_an_intent_with_too_few_examples_in_one_language(nlu_dir: Path, domain: Path) -> None:
    path = nlu_dir / "ms" / "nlu.yml"
    change_examples(path, "thank", lambda lines: lines[:5])
    problem = only(check_training_data(nlu_dir, domain))
    assert problem.check is Check.TOO_FEW_EXAMPLES
    assert (problem.path, problem.line) == (path, load_nlu_data(nlu_dir).by_label("ms")["thank"][0].line)
    assert problem.message.startswith("thank has 5 examples in ms, fewer than 20 (en ")
    assert "hy " in problem.message and "fa " in problem.message  # the languages it is compared with


def test_min_examples_is_a_parameter(nlu_dir: Path, domain: Path) -> None:
    problems = check_training_data(nlu_dir, domain, min_examples=1000)
    assert {problem.check for problem in problems} == {Check.TOO_FEW_EXAMPLES}
    assert len(problems) == 18 * 4  # every label in every language


def test_a_label_missing_in_one_language(nlu_dir: Path, domain: Path) -> None:
    path = nlu_dir / "ms" / "faq.yml"
    edit_yaml(path, lambda d: d["nlu"].pop(next(i for i, b in enumerate(d["nlu"]) if b["intent"] == "faq/warranty")))
    problem = only(check_training_data(nlu_dir, domain))
    assert (problem.check, problem.path) == (Check.MISSING_LABEL, path)
    assert problem.message.startswith("faq/warranty has no examples in ms (en ")


@pytest.mark.parametrize(
    ("language", "original", "label", "copy"),
    [
        ("en", "hi", "thank", "hi"),
        ("en", "hi", "thank", "  HI"),
        ("fa", "كفش رو سفارش بدم تا آخر هفته ميرسه؟", "faq/warranty", "کفش رو سفارش بدم تا آخر هفته میرسه؟"),
    ],
)
def test_the_same_example_under_two_labels(
    nlu_dir: Path, domain: Path, language: str, original: str, label: str, copy: str
) -> None:
    first = next(e for e in load_nlu_data(nlu_dir).examples if e.language == language and e.text == original)
    path = nlu_dir / language / ("faq.yml" if "/" in label else "nlu.yml")
    change_examples(path, label, lambda lines: [*lines, f"- {copy}"])
    problem = only(check_training_data(nlu_dir, domain))
    assert problem.check is Check.CONFLICTING_EXAMPLE
    assert (problem.path, problem.line) == (path, find(nlu_dir, language, label, copy.strip()).line)
    assert f"under {label}" in problem.message and f"under {first.label}" in problem.message
    assert f"({first.path.name}:{first.line})" in problem.message


def test_an_example_repeated_in_one_label(nlu_dir: Path, domain: Path) -> None:
    path = nlu_dir / "ms" / "nlu.yml"
    change_examples(path, "deny", lambda lines: [*lines, lines[0].upper()])
    problem = only(check_training_data(nlu_dir, domain))
    assert (problem.check, problem.path) == (Check.DUPLICATE_EXAMPLE, path)
    assert problem.line == load_nlu_data(nlu_dir).by_label("ms")["deny"][-1].line
    assert "is repeated in deny (first at nlu.yml:" in problem.message


def test_broken_yaml_is_reported_with_file_and_line(nlu_dir: Path, domain: Path) -> None:
    path = nlu_dir / "fa" / "faq.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    broken = lines.index("- intent: faq/refund_status\n")
    lines[broken] = "- intent: faq/refund_status: oops\n"
    path.write_text("".join(lines), encoding="utf-8")
    problem = only(check_training_data(nlu_dir, domain))  # not also every fa faq key as missing
    assert (problem.check, problem.path, problem.line) == (Check.BROKEN_YAML, path, broken + 1)
    assert problem.message == "YAML does not parse: mapping values are not allowed here"


def test_a_broken_domain_is_reported_with_its_line(nlu_dir: Path, domain: Path) -> None:
    domain.write_text(domain.read_text(encoding="utf-8").replace("  utter_goodbye:\n", "  utter_goodbye:\n - x\n"))
    problem = only(check_training_data(nlu_dir, domain))
    assert (problem.check, problem.path) == (Check.BROKEN_YAML, domain)
    assert problem.line == domain.read_text(encoding="utf-8").splitlines().index(" - x") + 1
    assert problem.message.startswith("YAML does not parse: expected <block end>")


def test_faq_keys_need_an_answer_and_intents_a_declaration(domain: Path) -> None:
    problems = check_domain(domain, ["greet", "faq/warranty", "faq/gift_cards", "smalltalk"])
    assert [(p.check, p.message) for p in problems] == [
        (Check.UNDECLARED_INTENT, "intent smalltalk is in the training data but not in the domain's intents"),
        (Check.MISSING_RESPONSE, "faq/gift_cards has no response utter_faq/gift_cards"),
    ]


def test_a_missing_language_folder(nlu_dir: Path, domain: Path) -> None:
    shutil.rmtree(nlu_dir / "ms")
    problem = only(check_training_data(nlu_dir, domain))
    assert (problem.check, problem.path, problem.message) == (
        Check.LANGUAGES,
        nlu_dir / "ms",
        "no training data for language ms",
    )


def test_the_command_exits_0_on_good_data(nlu_dir: Path, domain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--nlu-dir", str(nlu_dir), "--domain", str(domain), "--skip-rasa"]) == 0
    assert capsys.readouterr().out == "OK: no problems in the training data; rasa data validate skipped\n"


def test_the_command_prints_problems_and_exits_1(nlu_dir: Path, domain: Path, tmp_path: Path) -> None:
    path = nlu_dir / "fa" / "faq.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("- intent: faq/warranty\n", "- intent: faq/x: y\n"))
    line = path.read_text(encoding="utf-8").splitlines().index("- intent: faq/x: y") + 1
    change_examples(nlu_dir / "en" / "nlu.yml", "greet", lambda lines: lines[:3])
    data = load_nlu_data(nlu_dir)
    greet_line = data.by_label("en")["greet"][0].line
    hy, ms = (len(data.by_label(language)["greet"]) for language in ("hy", "ms"))
    result = subprocess.run(
        [sys.executable, "-m", "bot.nlu.validate", "--nlu-dir", "nlu", "--domain", "domain.yml"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        f"nlu/en/nlu.yml:{greet_line}: greet has 3 examples in en, fewer than 20 (hy {hy}, ms {ms})",  # fa is broken
        f"nlu/fa/faq.yml:{line}: YAML does not parse: mapping values are not allowed here",
        "FAILED: 2 problems in the training data; rasa data validate not run (fix the YAML first)",
    ]


def test_the_command_runs_rasa_data_validate_on_the_shipped_data() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.nlu.validate"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=100
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rasa.validator" in result.stderr  # Rasa's own log: it really ran
    assert result.stdout.splitlines()[-1] == "OK: no problems in the training data; rasa data validate passed"
