"""DC polarisation (chronoamperometry): steady state, t_ion, electronic conductivity."""

from .decay import DecayFit, fit_decay
from .electronic import ElectronicResult, electronic_conductivity
from .steady_state import SteadyState, SteadyStateCriterion, steady_state
from .transference import TransferenceResult, transference
from .transient import PreparedTransient, prepare

__all__ = [
    "DecayFit", "ElectronicResult", "PreparedTransient", "SteadyState", "SteadyStateCriterion", "TransferenceResult",
    "electronic_conductivity", "fit_decay", "prepare", "steady_state", "transference",
]
