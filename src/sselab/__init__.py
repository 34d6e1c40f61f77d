"""sselab: solid-state electrolyte studies from raw instrument files to a paper's numbers.

Techniques live in their own packages (``sselab.eis``, ``sselab.transport``, ``sselab.dc``,
``sselab.cycling``, ``sselab.xrd``, ``sselab.xps``) over the shared ``sselab.fitting`` engine
and ``sselab.io`` readers.
"""

from .exceptions import SselabError
from .io import read

__version__ = "0.1.0"

__all__ = ["SselabError", "__version__", "read"]
