"""A trainer, in real Chromium: labels ten inbox messages, trains and deploys, and sees the scores change;
then a model that scores worse is refused, deployed anyway with a reason, and a supervisor rolls back.

Runs against a stack of its own, on a deliberately small dataset
(tests/data/trainer_small) so that training fits in CI time: its Rasa server is
the one the new model is loaded into, while the shared stack keeps serving the
full model to the other tests. Only the first job trains: the worse model is the
first one again (the labels are undone), already trained and scored.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect
from redis.asyncio import Redis
from ruamel.yaml import YAML

from bot.core.agent_protocol import AgentRole
from bot.core.paths import MODELS_DIR, PROJECT_ROOT
from bot.core.settings import Settings
from bot.core.signals import model_guesses
from bot.staff.accounts import AgentDirectory
from bot.supervisor.stack import Stack
from bot.trainer.inbox import InboxReason, NluInbox
from tests.conftest import AGENT_PASSWORD
from tests.helpers import CustomerClient, domain_responses, free_port

SMALL_DATA = PROJECT_ROOT / "tests" / "data" / "trainer_small"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
# Persian warranty questions: the small dataset has none, its held-out test set has six.
TO_LABEL = [
    "گارانتی دارین؟",
    "گارانتی گوشی چقدره",
    "محصولاتتون ضمانت دارن؟",
    "شرایط گارانتی چیه",
    "اگه خراب بشه گارانتی میکنید؟",
    "مدت گارانتی لپ تاپ چقدر است",
    "کارت گارانتی همراهشه؟",
    "لوازم برقی گارانتی دارن",
    "چطوری از گارانتی استفاده کنم",
    "گارانتی تعویض دارید یا فقط تعمیر",
]
SCORE = re.compile(r"(\d\.\d{3}) → (\d\.\d{3})")
OVERRIDE_REASON = "Checking what the warranty labels change; rolled back after."


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def trainer_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    var_dir = Path(tmp_path_factory.mktemp("trainer-stack"))
    data_dir = var_dir / "data"
    shutil.copytree(SMALL_DATA / "nlu", data_dir / "nlu")
    shutil.copy(PROJECT_ROOT / "data" / "rules.yml", data_dir / "rules.yml")
    settings = Settings(
        redis_url="",
        private_redis_port=free_port(),
        gateway_port=free_port(),
        rasa_port=free_port(),
        rasa_workers=1,  # a small stack of its own, beside the shared one
        action_port=free_port(),
        session_secret="trainer-test-secret",
        rasa_token="trainer-test-token",
        var_dir=var_dir,
        models_dir=MODELS_DIR,
        training_data_dir=data_dir,
        nlu_test_dir=SMALL_DATA / "test",
        # Six English held-out examples: one of them guessed differently by a retrain (random
        # weights) moves English F1 by up to 0.22, noise at this size. The Persian warranty
        # questions move Persian intent + faq key F1 by about 0.4, which the gate must see.
        model_f1_margin=0.25,
    )
    stack = Stack(settings, log_dir=var_dir / "logs")
    try:
        await stack.start()
    except BaseException:
        await stack.stop()
        for log_file in sorted((var_dir / "logs").glob("*.log")):
            print(f"--- {log_file.name} ---\n{log_file.read_text(errors='replace')[-4000:]}")
        raise
    yield stack
    await stack.stop()


async def fill_inbox(stack: Stack, redis: Redis) -> None:
    """Ten Persian messages with the small model's real guesses, as the gateway would keep them."""
    inbox = NluInbox(redis)
    url = f"{stack.settings.resolved_rasa_url}/model/parse"
    async with aiohttp.ClientSession() as http:
        for seq, text in enumerate(TO_LABEL, start=1):
            async with http.post(url, params={"token": stack.settings.rasa_token}, json={"text": text}) as response:
                guesses = model_guesses(await response.json())
            await inbox.add(
                text=text, language="fa", reason=InboxReason.LOW_CONFIDENCE, conversation_id="c-fa", seq=seq,
                intents=guesses,
            )  # fmt: skip


async def served_model(settings: Settings) -> str:
    """The file name of the model the stack's Rasa serves."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{settings.resolved_rasa_url}/status", params={"token": settings.rasa_token}) as response,
    ):
        return Path((await response.json())["model_file"]).name


async def signed_in_page(browser: Browser, url: str, username: str) -> Page:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{url}/trainer/")
    await page.get_by_test_id("login-username").fill(username)
    await page.get_by_test_id("login-password").fill(AGENT_PASSWORD)
    await page.get_by_test_id("login-submit").click()
    return page


@pytest.mark.timeout(1200)
async def test_a_trainer_labels_ten_messages_retrains_and_sees_the_scores_change(
    trainer_stack: Stack, browser: Browser
) -> None:
    settings = trainer_stack.settings
    redis = Redis.from_url(settings.redis_url)
    try:
        await AgentDirectory(redis).add("tara", AGENT_PASSWORD, AgentRole.TRAINER, "Tara")
        await fill_inbox(trainer_stack, redis)
    finally:
        await redis.aclose()
    first_model = trainer_stack.model
    assert first_model is not None
    url = f"http://127.0.0.1:{settings.gateway_port}"
    # A customer is mid-conversation while the model is replaced.
    customer = CustomerClient(url)
    session_id = await customer.connect()
    await customer.send("سلام", customData={"language": "fa"})
    assert await customer.replies_until_quiet()

    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{url}/trainer/")
    await page.get_by_test_id("login-username").fill("tara")
    await page.get_by_test_id("login-password").fill(AGENT_PASSWORD)
    await page.get_by_test_id("login-submit").click()

    items = page.get_by_test_id("inbox-item")
    await expect(items).to_have_count(10)
    # Persian is shown as text, right to left by its own direction.
    await expect(items.first.get_by_test_id("item-text")).to_have_attribute("dir", "auto")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "trainer-inbox.png"))
    # The model's guess is shown, never chosen for the trainer: Label waits for a choice.
    await expect(items.first.get_by_test_id("label-select")).to_have_value("")
    await expect(items.first.get_by_test_id("label")).to_be_disabled()
    for remaining in range(10, 0, -1):
        item = items.first
        await item.get_by_test_id("label-select").select_option("faq/warranty")
        await item.get_by_test_id("label").click()
        await expect(items).to_have_count(remaining - 1)
    await expect(page.get_by_test_id("inbox-empty")).to_be_visible()
    await expect(page.get_by_test_id("model-state")).to_contain_text("changed since", timeout=15_000)

    await page.get_by_test_id("train").click()
    message = page.get_by_test_id("job-message")
    await expect(message).to_have_attribute("data-state", re.compile("succeeded|refused|failed"), timeout=840_000)
    assert await message.get_attribute("data-state") == "succeeded", await message.text_content()

    fa_row = page.locator('[data-testid="evaluation-row"][data-language="fa"]')
    response_f1 = await fa_row.get_by_test_id("response-f1").text_content() or ""
    found = SCORE.search(response_f1)
    assert found, response_f1
    before, after = float(found.group(1)), float(found.group(2))
    print(f"fa intent + faq key F1 on the held-out examples: {before:.3f} -> {after:.3f}")
    assert after > before, "ten Persian warranty examples should help on Persian warranty questions"
    await expect(page.get_by_test_id("model-state")).to_contain_text("up to date")
    await page.screenshot(path=str(SCREENSHOTS / "trainer.png"), full_page=True)
    await context.close()
    assert errors == []

    # The labels are training examples now, and the new model is the one Rasa serves.
    faq = YAML(typ="safe").load((settings.training_data_dir / "nlu" / "fa" / "faq.yml").read_text(encoding="utf-8"))
    [warranty] = [block for block in faq["nlu"] if block["intent"] == "faq/warranty"]
    assert sorted(line[2:] for line in warranty["examples"].splitlines() if line) == sorted(TO_LABEL)
    new_model = await served_model(settings)
    assert new_model != first_model.name

    # The conversation goes on, on the same session, and the new model answers a warranty question.
    await customer.send("گارانتی کالا چقدره؟", customData={"language": "fa"})
    replies = await customer.replies_until_quiet()
    await customer.close()
    assert customer.session_id == session_id
    assert replies[0]["text"] in domain_responses()["utter_faq/warranty"]["fa"]

    await a_worse_model_is_refused_then_deployed_with_a_reason(trainer_stack, browser, first_model.name, new_model)
    await a_supervisor_rolls_back(trainer_stack, browser, first_model.name, new_model)


async def a_worse_model_is_refused_then_deployed_with_a_reason(
    stack: Stack, browser: Browser, first_model: str, new_model: str
) -> None:
    """Undo the labels: the data's model is the first one again, which scores worse on Persian warranty questions."""
    settings = stack.settings
    shutil.rmtree(settings.training_data_dir / "nlu")
    shutil.copytree(SMALL_DATA / "nlu", settings.training_data_dir / "nlu")
    page = await signed_in_page(browser, f"http://127.0.0.1:{settings.gateway_port}", "tara")
    await expect(page.get_by_test_id("model-state")).to_contain_text("changed since", timeout=15_000)
    await expect(page.get_by_test_id("rollback")).to_be_hidden()  # a trainer is not offered the rollback

    message = page.get_by_test_id("job-message")
    await expect(message).to_have_attribute("data-state", "succeeded")  # the first job's
    await page.get_by_test_id("train").click()
    # Nothing is trained or scored again: both models and their scores are in the caches.
    await expect(message).to_have_attribute("data-state", re.compile("refused|failed"), timeout=180_000)
    assert await message.get_attribute("data-state") == "refused", await message.text_content()
    await expect(message).to_contain_text("Persian (fa) intent + faq key F1")
    await expect(page.locator('[data-testid="refusal-drop"][data-language="fa"]').first).to_be_visible()
    await expect(page.get_by_test_id("model-state")).to_contain_text("was refused")
    assert await served_model(settings) == new_model, "the refused model is not in service"

    await page.get_by_test_id("override-reason").fill(OVERRIDE_REASON)
    await page.get_by_test_id("deploy-anyway").click()
    await expect(message).to_have_attribute("data-state", "succeeded", timeout=300_000)
    await expect(page.get_by_test_id("override-note")).to_contain_text(f"by tara: “{OVERRIDE_REASON}”")
    await expect(page.get_by_test_id("refusal")).to_be_hidden()
    assert await served_model(settings) == first_model
    await page.context.close()


async def a_supervisor_rolls_back(stack: Stack, browser: Browser, first_model: str, new_model: str) -> None:
    settings = stack.settings
    redis = Redis.from_url(settings.redis_url)
    try:
        await AgentDirectory(redis).add("sam", AGENT_PASSWORD, AgentRole.SUPERVISOR, "Sam")
    finally:
        await redis.aclose()
    page = await signed_in_page(browser, f"http://127.0.0.1:{settings.gateway_port}", "sam")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    button = page.get_by_test_id("rollback-button")
    await expect(button).to_have_text(f"Roll back to {new_model}", timeout=15_000)
    await button.click()
    await expect(page.get_by_test_id("rollback-question")).to_contain_text(f"instead of {first_model}")
    await page.get_by_test_id("rollback-yes").click()
    await expect(page.get_by_test_id("notice")).to_contain_text(
        f"Rolled back: {new_model} is in service", timeout=300_000
    )
    await expect(page.get_by_test_id("rollback-note")).to_contain_text(f"sam rolled back from {first_model}")
    await expect(page.get_by_test_id("rollback")).to_be_hidden()  # no earlier model is left to roll back to
    assert await served_model(settings) == new_model
    await page.context.close()
    assert errors == []
