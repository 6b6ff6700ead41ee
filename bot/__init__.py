"""Gateway, supervisor and language tools of the support assistant.

This package is imported by two environments: the gateway's (aiohttp,
python-socketio) and Rasa's (for the NLU components). Modules that only the
gateway uses import its libraries themselves; keep this file empty of imports.
"""
