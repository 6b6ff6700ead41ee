"""The data checks catch each kind of mistake in a copy of the shipped data (bot/validate.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.paths import NLU_DATA_DIR, PROJECT_ROOT
from bot.training_data import Check, Problem, load_nlu_data
from bot.validate import check_domain, check_training_data, main


@pytest.fixture
def data(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the shipped NLU data and domain: (nlu_dir, domain)."""
    shutil.copytree(NLU_DATA_DIR, tmp_path / "nlu")
    shutil.copy(PROJECT_ROOT / "domain.yml", tmp_path / "domain.yml")
    return tmp_path / "nlu", tmp_path / "domain.yml"


def edit_yaml(path: Path, change: object) -> None:
    """Load ``path`` round-trip, let ``change(document)`` edit it, write it back."""
    yaml = YAML()
    yaml.preserve_quotes = True
    document = yaml.load(path.read_text(encoding="utf-8"))
    change(document)  # type: ignore[operator]
    with path.open("w", encoding="utf-8") as stream:
        yaml.dump(document, stream)


def block(document: dict[str, list[dict[str, str]]], label: str) -> dict[str, str]:
    return next(b for b in document["nlu"] if b["intent"] == label)


def line_of(path: Path, text: str) -> int:
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(problem) for problem in problems]
    return problems[0]


def test_the_copy_passes(data: tuple[Path, Path]) -> None:
    assert check_training_data(*data) == []


def test_a_response_lacking_one_language(data: tuple[Path, Path]) -> None:
    nlu_dir, domain = data

    def drop_persian(document: dict[str, dict[str, list[dict[str, object]]]]) -> None:
        variations = document["responses"]["utter_goodbye"]
        variations[:] = [v for v in variations if "value: fa" not in str(v.get("condition"))]
        variations[:] = [v for v in variations if all(c.get("value") != "fa" for c in v.get("condition") or [])]  # type: ignore[attr-defined]

    edit_yaml(domain, drop_persian)
    problem = only(check_training_data(nlu_dir, domain))
    assert problem.check is Check.MISSING_TRANSLATION
    assert (problem.path, problem.line) == (domain, line_of(domain, "  utter_goodbye:"))
    assert "utter_goodbye" in problem.message and "fa" in problem.message


def test_an_intent_with_too_few_examples_in_one_language(data: tuple[Path, Path]) -> None:
    nlu_dir, domain = data
    path = nlu_dir / "hy" / "nlu.yml"

    def keep_five(document: dict[str, list[dict[str, str]]]) -> None:
        thank = block(document, "thank")
        thank["examples"] = LiteralScalarString("".join(thank["examples"].splitlines(keepends=True)[:5]))

    edit_yaml(path, keep_five)
    problem = only(check_training_data(nlu_dir, domain))
    assert problem.check is Check.TOO_FEW_EXAMPLES
    first = load_nlu_data(nlu_dir).by_label("hy")["thank"][0]
    assert (problem.path, problem.line) == (path, first.line)
    assert "thank has 5 examples in hy, fewer than 20" in problem.message
    assert "en " in problem.message  # names the languages that have enough


def test_min_examples_is_a_parameter(data: tuple[Path, Path]) -> None:
    problems = check_training_data(*data, min_examples=1000)
    assert {problem.check for problem in problems} == {Check.TOO_FEW_EXAMPLES}
    assert len(problems) == 17 * 4  # every label in every language


def test_a_label_missing_in_one_language(data: tuple[Path, Path]) -> None:
    nlu_dir, domain = data
    edit_yaml(nlu_dir / "ms" / "faq.yml", lambda d: d["nlu"].remove(block(d, "faq/warranty")))
    problem = only(check_training_data(nlu_dir, domain))
    assert problem.check is Check.MISSING_LABEL
    assert problem.path == nlu_dir / "ms" / "faq.yml"
    assert problem.message.startswith("faq/warranty has no examples in ms (")
    assert "en " in problem.message


@pytest.mark.parametrize("copy", ["hi", "HI there"])
def test_the_same_example_under_two_intents(data: tuple[Path, Path], copy: str) -> None:
    nlu_dir, domain = data
    path = nlu_dir / "en" / "nlu.yml"
    if copy == "HI there":
        assert "hi there!" not in (nlu_dir / "en" / "nlu.yml").read_text()
        copy = "HI THERE!"
    edit_yaml(path, lambda d: block(d, "thank").__setitem__("examples", LiteralScalarString(f"- {copy}\n" + block(d, "thank")["examples"])))
    problem = only(check_training_data(nlu_dir, domain))
    assert problem.check is Check.CONFLICTING_EXAMPLE
    assert (problem.path, problem.line) == (path, line_of(path, f"    - {copy}"))
    assert "under thank" in problem.message and "under greet" in problem.message
    assert f"nlu.yml:{line_of(path, '    - ' + copy.lower())}" in problem.message
