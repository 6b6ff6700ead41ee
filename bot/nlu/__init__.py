"""The assistant's language understanding: the NLU components Rasa loads, the
normaliser, language detection, the training data and its checks, evaluation,
the model cache, and the client of the Rasa server that serves the model.

``components``, ``normalise``, ``language_detection`` (and ``evaluate``) run
inside Rasa's environment: they import only the standard library, Rasa's
libraries and ``bot.core.languages``.
"""
