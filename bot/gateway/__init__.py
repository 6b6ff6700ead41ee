"""The gateway: the customer socket, the dialogue with the assistant, rate
limits and session ids, and the aiohttp application that wires every package
together (``python -m bot.gateway`` runs one process).
"""
