"""The trainers' NLU data: reading it and adding an example (the checks are in bot.nlu.validate).

The data lives in ``<nlu_dir>/<lang>/*.yml`` in Rasa's NLU YAML format: blocks
of ``- intent: <label>`` with an ``examples: |`` literal block of ``- text``
lines. A label is an intent (``greet``) or a retrieval intent with its key
(``faq/warranty``). Standard library and ruamel.yaml only: the gateway's
environment imports this module, Rasa is not needed.

Examples are compared as the model sees them (:func:`example_key`): stripped,
lower-cased, and with the Persian and Armenian spelling variants of
:mod:`bot.nlu.normalise` folded. ``str.lower`` rather than ``casefold``: case
folding would also merge the Armenian ligature ``և`` with ``եւ``, two spellings
customers type and the model tells apart.

:func:`add_example` does blocking file I/O: call it from a thread in async code.
"""

from __future__ import annotations

import fcntl
import io
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from bot.core.files import write_atomically
from bot.nlu.language_detection import ROMANIZED
from bot.nlu.normalise import normalise_text

__all__ = [
    "FAQ_FILE",
    "MAX_EXAMPLE_CHARS",
    "NLU_FILE",
    "BrokenTrainingData",
    "Check",
    "Example",
    "InvalidExample",
    "NluData",
    "Problem",
    "TrainingDataError",
    "UnknownLabel",
    "UnknownLanguage",
    "add_example",
    "example_key",
    "known_labels",
    "load_nlu_data",
    "read_nlu_file",
    "read_yaml_document",
]

# Longer messages usually hold several requests; a trainer labels one sentence.
MAX_EXAMPLE_CHARS: Final = 500
NLU_FILE: Final = "nlu.yml"
FAQ_FILE: Final = "faq.yml"
#: Armenian and Persian typed in Latin letters are kept apart, in this file of their language.
LATIN_FILE: Final = "latin.yml"
YAML_SUFFIXES: Final = (".yml", ".yaml")
# Rasa reads `[text](entity)`, `[text]{...}` and `[text][...]` in an example as
# an entity annotation (rasa/shared/nlu/training_data/entities_parser.py).
_ENTITY_MARKUP: Final = re.compile(r"\[[^\]]+?\](\([^:)]+?(?::[^)]+)?\)|\{[^}]+?\}|\[.*?\])")
_BLANK_LINE_BEFORE_BLOCK: Final = re.compile(r"\n[ \t]*\n[ \t]*- intent:")
NLU_FORMAT_VERSION: Final = DoubleQuotedScalarString("3.1")
# What Rasa strips from an example line after its leading "-" (rasa_yaml.py).
_RASA_STRIP: Final = "\n\r "


class Check(StrEnum):
    """What a :class:`Problem` is about."""

    BROKEN_YAML = "broken-yaml"
    MALFORMED = "malformed"
    LANGUAGES = "languages"
    MISSING_LABEL = "missing-label"
    TOO_FEW_EXAMPLES = "too-few-examples"
    DUPLICATE_EXAMPLE = "duplicate-example"
    CONFLICTING_EXAMPLE = "conflicting-example"
    MISSING_TRANSLATION = "missing-translation"
    MISSING_RESPONSE = "missing-response"
    UNDECLARED_INTENT = "undeclared-intent"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, where it is (``line`` is 1-based, None if unknown)."""

    check: Check
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass(frozen=True)
class Example:
    """One training example and where it is written."""

    language: str
    label: str
    text: str
    path: Path
    line: int | None


@dataclass
class NluData:
    """Every example of a data directory, with the problems met while reading it."""

    nlu_dir: Path
    languages: list[str]
    examples: list[Example] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def labels(self) -> list[str]:
        """Every label present in any language, sorted."""
        return sorted({example.label for example in self.examples})

    def by_label(self, language: str) -> dict[str, list[Example]]:
        """The examples of one language, per label."""
        result: dict[str, list[Example]] = defaultdict(list)
        for example in self.examples:
            if example.language == language:
                result[example.label].append(example)
        return result


class TrainingDataError(Exception):
    """A change to the training data was refused; nothing was written."""


class UnknownLabel(TrainingDataError):
    """The label is not an intent or faq key of the data."""

    def __init__(self, label: str) -> None:
        super().__init__(f"unknown label {label!r}")
        self.label = label


class UnknownLanguage(TrainingDataError):
    """The data has no folder for this language."""

    def __init__(self, language: str) -> None:
        super().__init__(f"no training data for language {language!r}")
        self.language = language


class InvalidExample(TrainingDataError):
    """The text cannot be a training example (empty, several lines, too long...)."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(reason)
        self.text = text
        self.reason = reason


class BrokenTrainingData(TrainingDataError):
    """The data files to change do not read cleanly; fix them first."""

    def __init__(self, problems: Sequence[Problem], nlu_dir: Path) -> None:
        # Paths relative to the data folder: the message may be shown to a trainer.
        shown = (Problem(p.check, p.path.relative_to(nlu_dir), p.line, p.message) for p in problems)
        super().__init__("; ".join(str(problem) for problem in shown))
        self.problems = list(problems)


def example_key(text: str) -> str:
    """What two examples must share to be the same example to the model."""
    return " ".join(normalise_text(text).lower().split())


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line
    return yaml


def read_yaml_document(path: Path) -> tuple[Any, Problem | None]:
    """The round-trip document of ``path``, or the problem that stops it loading."""
    try:
        return _yaml().load(path.read_text(encoding="utf-8")), None
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = error.problem or error.context or "YAML error"
        if error.context and error.problem and error.context_mark is not None:
            reason += f" ({error.context} at line {error.context_mark.line + 1})"
        return None, Problem(Check.BROKEN_YAML, path, line, f"YAML does not parse: {reason}")
    except (YAMLError, UnicodeDecodeError) as error:
        return None, Problem(Check.BROKEN_YAML, path, None, f"YAML does not parse: {error}")


def _language_files(nlu_dir: Path, language: str) -> list[Path]:
    return sorted(p for p in (nlu_dir / language).iterdir() if p.is_file() and p.suffix in YAML_SUFFIXES)


def _intent_blocks(document: Any, path: Path, problems: list[Problem]) -> Iterator[CommentedMap]:
    """The ``- intent:`` blocks of one file; anything malformed is added to ``problems``."""
    if document is None:
        return
    if not isinstance(document, CommentedMap):
        problems.append(Problem(Check.MALFORMED, path, 1, "the file is not a YAML mapping"))
        return
    blocks = document.get("nlu", [])
    if not isinstance(blocks, CommentedSeq):
        problems.append(Problem(Check.MALFORMED, path, document.lc.key("nlu")[0] + 1, "'nlu' is not a list"))
        return
    for index, block in enumerate(blocks):
        line = blocks.lc.item(index)[0] + 1
        if not isinstance(block, CommentedMap):
            problems.append(Problem(Check.MALFORMED, path, line, "an 'nlu' item is not a mapping"))
        elif "intent" in block:
            if not isinstance(block["intent"], str) or not isinstance(block.get("examples"), str):
                problems.append(Problem(Check.MALFORMED, path, line, "an intent block needs a name and examples: |"))
            else:
                yield block


def _block_examples(block: CommentedMap, language: str, path: Path, problems: list[Problem]) -> Iterator[Example]:
    label: str = block["intent"]
    examples: str = block["examples"]
    # The content of a literal block starts on the line after its `|`.
    first = block.lc.value("examples")[0] + 2 if isinstance(examples, LiteralScalarString) else None
    for offset, raw in enumerate(examples.splitlines()):
        line = first + offset if first is not None else block.lc.line + 1
        if not raw.strip():
            continue
        if not raw.startswith("-"):
            problems.append(Problem(Check.MALFORMED, path, line, f"{label}: line does not start with '-': {raw!r}"))
            continue
        text = raw[1:].strip(_RASA_STRIP)
        if not text:
            problems.append(Problem(Check.MALFORMED, path, line, f"{label}: empty example"))
            continue
        yield Example(language, label, text, path, line)


def read_nlu_file(path: Path, language: str, problems: list[Problem]) -> list[Example]:
    """Every example of one NLU file in ``language``; what does not read is added to ``problems``."""
    document, problem = read_yaml_document(path)
    if problem is not None:
        problems.append(problem)
    return [
        example
        for block in _intent_blocks(document, path, problems)
        for example in _block_examples(block, language, path, problems)
    ]


def load_nlu_data(nlu_dir: Path) -> NluData:
    """Every example of ``nlu_dir/<lang>/*.yml``; files that do not read become problems."""
    languages = sorted(p.name for p in nlu_dir.iterdir() if p.is_dir()) if nlu_dir.is_dir() else []
    data = NluData(nlu_dir, languages)
    for language in languages:
        for path in _language_files(nlu_dir, language):
            data.examples.extend(read_nlu_file(path, language, data.problems))
    return data


def known_labels(nlu_dir: Path) -> list[str]:
    """Every intent and faq key present in the data, in any language, sorted."""
    return load_nlu_data(nlu_dir).labels()


def _validated_text(text: str, max_chars: int) -> str:
    stripped = text.strip()
    if not stripped:
        raise InvalidExample(text, "the example is empty")
    if len(stripped.splitlines()) > 1:
        raise InvalidExample(text, "the example has more than one line")
    if len(stripped) > max_chars:
        raise InvalidExample(text, f"the example is longer than {max_chars} characters")
    if any(unicodedata.category(char) in {"Cc", "Cs", "Co", "Cn"} and char != "\t" for char in stripped):
        raise InvalidExample(text, "the example contains control or unassigned characters")
    if _ENTITY_MARKUP.search(stripped):
        raise InvalidExample(text, "Rasa would read [text](...) in the example as an entity annotation")
    return stripped


def _append_to_document(document: CommentedMap, label: str, text: str, blank_line_between_blocks: bool) -> None:
    blocks = document.setdefault("nlu", CommentedSeq())
    for block in reversed(blocks):
        if isinstance(block, CommentedMap) and block.get("intent") == label:
            examples = str(block["examples"])
            if examples and not examples.endswith("\n"):
                examples += "\n"
            block["examples"] = LiteralScalarString(f"{examples}- {text}\n")
            return
    blocks.append(CommentedMap([("intent", label), ("examples", LiteralScalarString(f"- {text}\n"))]))
    if blank_line_between_blocks and len(blocks) > 1:
        blocks.yaml_set_comment_before_after_key(len(blocks) - 1, before="")  # "" is an empty line


def _dump(document: Any, like: str) -> str:
    yaml = _yaml()
    if like:
        # Keep the file's own indentation of lists (`- intent:` at column 0 or indented).
        from ruamel.yaml.util import load_yaml_guess_indent

        _, indent, dash_offset = load_yaml_guess_indent(like)
        dash_offset = dash_offset or 0
        yaml.indent(mapping=max(indent - dash_offset, 2), sequence=indent, offset=dash_offset)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _mostly_latin(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    latin = sum(1 for char in letters if unicodedata.name(char, "").startswith("LATIN"))
    return bool(letters) and latin * 2 > len(letters)


def add_example(nlu_dir: Path, language: str, label: str, text: str, max_chars: int = MAX_EXAMPLE_CHARS) -> bool:
    """Append ``text`` to ``label``'s examples in ``language``; False if the example is already there.

    The example goes into the label's block if the language has one, else into a
    new block of ``<language>/faq.yml`` (retrieval labels such as ``faq/warranty``)
    or ``nlu.yml``; Armenian or Persian typed in Latin letters goes to
    ``latin.yml`` instead. The file is rewritten round-trip (comments, order and
    the other blocks kept) and atomically. An example already present in the
    language under any label (see :func:`example_key`) is not added again.

    Raises UnknownLanguage, UnknownLabel, InvalidExample, or BrokenTrainingData
    when the language's files do not read cleanly.
    """
    text = _validated_text(text, max_chars)
    lock_fd = os.open(nlu_dir, os.O_RDONLY)
    try:
        # One writer at a time across threads and processes: read, check and replace together.
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        data = load_nlu_data(nlu_dir)
        if language not in data.languages:  # a folder name, never a path such as "../x"
            raise UnknownLanguage(language)
        if label not in data.labels():
            raise UnknownLabel(label)
        broken = [p for p in data.problems if p.path.parent.name == language and p.check is Check.BROKEN_YAML]
        if broken:
            raise BrokenTrainingData(broken, nlu_dir)
        key = example_key(text)
        if any(example_key(e.text) == key for e in data.examples if e.language == language):
            return False
        romanized = language in ROMANIZED and _mostly_latin(text)
        default = LATIN_FILE if romanized else FAQ_FILE if "/" in label else NLU_FILE
        existing = [
            e.path
            for e in data.examples
            if e.language == language and e.label == label and (e.path.name == LATIN_FILE) == romanized
        ]
        path = existing[-1] if existing else nlu_dir / language / default
        original = path.read_text(encoding="utf-8") if path.exists() else ""
        document = _yaml().load(original) if original.strip() else CommentedMap([("version", NLU_FORMAT_VERSION)])
        if not isinstance(document, CommentedMap):
            raise BrokenTrainingData([Problem(Check.MALFORMED, path, 1, "the file is not a YAML mapping")], nlu_dir)
        _append_to_document(document, label, text, _BLANK_LINE_BEFORE_BLOCK.search(original) is not None)
        content = _dump(document, original)
        _verify_written(content, path, language, label, text)
        write_atomically(path, content)
        return True
    finally:
        os.close(lock_fd)


def _verify_written(content: str, path: Path, language: str, label: str, text: str) -> None:
    """Read back what is about to be written: the text must be one example of the label."""
    problems: list[Problem] = []
    document = _yaml().load(content)
    examples = [
        example
        for block in _intent_blocks(document, path, problems)
        if isinstance(block["examples"], LiteralScalarString)
        for example in _block_examples(block, language, path, problems)
    ]
    if not any(e.label == label and e.text == text for e in examples):
        raise InvalidExample(text, "the example would not read back as written")
