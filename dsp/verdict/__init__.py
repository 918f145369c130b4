"""Verdicts: is a decoded GSM cell or FM station licensed, suspicious or rogue, and why.

``registers`` parses the licence registers (text in, records out), ``allocations`` the operators'
ARFCN blocks, ``rules`` holds one module per rule, ``verdict.judge`` runs them into a ``Verdict``.
"""

from dsp.verdict.allocations import Allocations, ArfcnBlock, parse_allocations
from dsp.verdict.baseline import heard_as_of
from dsp.verdict.context import HeardAs, PositionFix, TargetHistory, VerdictContext, history_key_fm, history_key_gsm
from dsp.verdict.registers import (CellRegister, FmLicence, FmRegister, LicensedCell, parse_cell_register,
                                   parse_fm_register, parse_opencellid)
from dsp.verdict.rules import ALL_RULES, FM_RULES, GSM_RULES
from dsp.verdict.verdict import LICENSED, ROGUE, SUSPICIOUS, Reason, Verdict, judge

__all__ = ["ALL_RULES", "Allocations", "ArfcnBlock", "CellRegister", "FM_RULES", "FmLicence", "FmRegister",
           "GSM_RULES", "HeardAs", "LICENSED", "LicensedCell", "PositionFix", "ROGUE", "Reason", "SUSPICIOUS", "TargetHistory", "Verdict",
           "VerdictContext", "heard_as_of", "history_key_fm", "history_key_gsm", "judge", "parse_allocations",
           "parse_cell_register", "parse_fm_register", "parse_opencellid"]
