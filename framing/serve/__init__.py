"""``framing serve``: the warm Analyzer behind an HTTP API and a web page.

Models load once; concurrent requests are micro-batched into one model call (one model thread,
a bounded queue); bad input gets the numbered errors of the command line.

Example:
    >>> import framing
    >>> from framing.serve import ServeSettings, create_app
    >>> app = create_app(framing.load(rules_only=True), ServeSettings(max_batch=16))
    >>> app.title
    'framing'
"""

from framing.serve.app import create_app
from framing.serve.batcher import MicroBatcher
from framing.serve.server import background, run
from framing.serve.settings import ServeSettings

__all__ = ["MicroBatcher", "ServeSettings", "background", "create_app", "run"]
