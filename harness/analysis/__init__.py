"""Statistics over run folders: paired tests, ``sumbench compare``, the ``[gate]``
rules and ``sumbench check`` (console, JUnit and Markdown output).

Reads run folders; never calls a model. May import ``harness.core``, ``harness.suite``
and ``harness.results``.
"""
