"""The process supervisor: ``python -m bot.supervisor`` runs the whole product on
one machine (Redis, the action server, Rasa, the gateway) and restarts what dies.
"""
