"""Forward models of the Mg3AsN study's measurements (the virtual study's physics)."""

from .paper import PAPER, MaterialModel, ebe_stack_spectrum

__all__ = ["PAPER", "MaterialModel", "ebe_stack_spectrum"]
