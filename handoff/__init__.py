"""Human handoff: the queue in Redis, the one service every trigger goes
through, the notifier, offline tickets, canned answers, the agent socket and
the console. ``handoff.service.HandoffService`` is the only way into the queue.
"""
