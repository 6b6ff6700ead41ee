from bot.trainer.gate import ScoreDrop, score_drops


def test_score_drops_compare_each_language_and_score_against_the_margin() -> None:
    before = {"en": {"intent_f1": 0.91, "response_f1": 0.9}, "hy": {"intent_f1": 0.8, "response_f1": 0.8}}
    after = {"en": {"intent_f1": 0.90, "response_f1": 0.8889}}
    assert score_drops(before, after, 0.01) == [
        ScoreDrop("en", "response_f1", 0.9, 0.8889),
        ScoreDrop("hy", "intent_f1", 0.8, 0.0),
        ScoreDrop("hy", "response_f1", 0.8, 0.0),
    ], "0.91 -> 0.90 is within 0.01; a language without scores counts as 0"
    assert score_drops(None, after, 0.01) == [], "nothing in service to compare with"
    assert score_drops(before, before, 0.0) == []


def test_a_drop_reads_as_the_trainer_needs_it() -> None:
    assert str(ScoreDrop("fa", "response_f1", 0.9, 0.85)) == "Persian (fa) intent + faq key F1 0.900 → 0.850 (-0.050)"
