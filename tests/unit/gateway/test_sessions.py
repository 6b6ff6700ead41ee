from bot.gateway.sessions import conversation_id_of, is_signed_session_id, issue_session_id


def test_issued_ids_verify_and_are_unique() -> None:
    ids = {issue_session_id("secret") for _ in range(100)}
    assert len(ids) == 100
    assert all(is_signed_session_id("secret", i) for i in ids)


def test_forged_altered_or_foreign_ids_fail() -> None:
    issued = issue_session_id("secret")
    token, _, signature = issued.partition(".")
    assert not is_signed_session_id("other-secret", issued)
    assert not is_signed_session_id("secret", token)
    assert not is_signed_session_id("secret", f"{token}x.{signature}")
    assert not is_signed_session_id("secret", "made-up-id")
    assert not is_signed_session_id("secret", "")
    assert not is_signed_session_id("secret", issued + "x" * 100)


def test_the_conversation_id_is_not_a_session_id() -> None:
    issued = issue_session_id("secret")
    conversation_id = conversation_id_of(issued)
    assert conversation_id and conversation_id in issued and conversation_id != issued
    assert not is_signed_session_id("secret", conversation_id)
