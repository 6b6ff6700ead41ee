import time
from tests.integration.test_handoff import ask_for_person


async def test_debug(customer, make_agent, stack, stack_redis) -> None:
    anna = await make_agent("annadbg", display_name="Anna")
    conversation_id = await ask_for_person(customer)
    await anna.wait_for_queue_with(conversation_id)
    await customer.next("handoff_status")
    await customer.next("message_ack")
    t0 = time.monotonic()
    await customer.send("my order is 4711, it never came")
    ack = await customer.next("message_ack")
    t1 = time.monotonic()
    opened = await anna.call("open", {"conversation_id": conversation_id})
    t2 = time.monotonic()
    print(f"TIMING ack {t1-t0:.4f} open {t2-t1:.4f}", ack)
