"""The support assistant's Python code, in packages that depend one way.

``core`` (the kernel) imports nothing else of ours; ``nlu`` and ``staff`` build
on it; ``trainer`` and ``analytics`` on those; the ``handoff`` top-level
package on all of them; ``gateway`` and ``supervisor`` sit on top. The rules are
import-linter contracts in ``.importlinter``, checked by ``make lint``; the
README's "Layout" section explains them.

Rasa's environment imports some modules too (``bot.nlu.components`` and what it
imports): keep package ``__init__`` files free of imports.
"""
