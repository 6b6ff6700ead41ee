"""The kernel: settings, paths, the Redis key schema, logging, the language
registry, the customer and agent protocols, the conversation store and the
handoff signal. It imports nothing else of ours, so everything may import it.
"""
