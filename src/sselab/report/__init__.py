"""The study report: figures, CSV tables and one self-contained HTML file, from the results store only."""

from .html import write_report

__all__ = ["write_report"]
