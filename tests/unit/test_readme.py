from bot.core.paths import PROJECT_ROOT
from bot.core.settings import README_END, README_START, settings_table


def test_readme_configuration_table_matches_settings() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(README_START) + len(README_START)
    end = readme.index(README_END)
    assert readme[start:end].strip() == settings_table(), "regenerate with: python -m bot.core.settings"


def test_readme_names_the_two_commands() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    assert "make test" in (PROJECT_ROOT / ".ci" / "run").read_text()
