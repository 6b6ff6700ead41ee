"""Custom actions. They stay thin: a handoff is only signalled to the gateway,
whose ``handoff`` package owns the queue."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.core.signals import FALLBACK_INTENT, HandoffReason, HandoffSignal, low_confidence_payload, model_guesses

TOP_INTENTS = 3
REASON_BY_INTENT = {
    "request_human": HandoffReason.CUSTOMER_REQUEST,
    "complain": HandoffReason.COMPLAINT,
}


def top_intents(tracker: Tracker) -> list[dict[str, Any]]:
    """The model's few best guesses for the latest message, for the agent and the trainer."""
    return model_guesses(tracker.latest_message, TOP_INTENTS)


def previous_user_intent(tracker: Tracker) -> str | None:
    """The intent of the user message before the latest one, if any."""
    user_events = [event for event in tracker.events if event.get("event") == "user"]
    if len(user_events) < 2:
        return None
    intent = user_events[-2].get("parse_data", {}).get("intent") or {}
    name = intent.get("name")
    return name if isinstance(name, str) else None


class ActionHandoff(Action):
    """Signals that the customer should talk to a person (request or complaint)."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reason = REASON_BY_INTENT.get(str(intent), HandoffReason.CUSTOMER_REQUEST)
        dispatcher.utter_message(json_message=HandoffSignal.for_reason(reason, top_intents(tracker)).to_payload())
        return []


class ActionFallback(Action):
    """First low-confidence turn: ask to rephrase. Second in a row: hand off."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if previous_user_intent(tracker) != FALLBACK_INTENT:
            dispatcher.utter_message(response="utter_ask_rephrase")
            dispatcher.utter_message(json_message=low_confidence_payload(top_intents(tracker)))
            return []
        dispatcher.utter_message(response="utter_handoff_low_confidence")
        signal = HandoffSignal.for_reason(HandoffReason.LOW_CONFIDENCE, top_intents(tracker))
        dispatcher.utter_message(json_message=signal.to_payload())
        return []
