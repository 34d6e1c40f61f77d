"""Sphinx configuration: the API reference from the numpydoc docstrings and an examples
gallery (sphinx-gallery, executed at every build).  Build with ``scripts/docs``."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

project = "sselab"
author = "sselab contributors"
extensions = ["sphinx.ext.autodoc", "numpydoc", "sphinx_gallery.gen_gallery"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_title = "sselab"
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc Parameters sections carry the types
numpydoc_show_class_members = False  # members are listed by autodoc's :members:
numpydoc_class_members_toctree = False
suppress_warnings = ["config.cache"]  # sphinx-gallery's function-valued settings are not picklable

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # every example is run during the build
    "abort_on_example_error": True,
    "download_all_examples": False,
    "show_memory": False,
    "remove_config_comments": True,
}

# docstrings write the modulus as |Z| (plain text for help()); in reST that would be a substitution
rst_prolog = r"""
.. |Z| replace:: \|Z\|
"""
