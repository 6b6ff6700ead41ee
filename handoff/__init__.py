"""Human handoff: why conversations go to a person, and the queue they wait in.

``handoff.reasons`` is plain Python, imported by the action server (Rasa's
environment) as well as the gateway; keep it free of third-party imports.
"""
