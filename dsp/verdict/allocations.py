"""Operator ARFCN allocations per country (national frequency-assignment tables; the data file
``recordings/allocations_gsm.csv`` says where each row comes from and how precise it is)."""

from __future__ import annotations

from dataclasses import dataclass

from dsp.errors import DspError
from dsp.verdict.registers import read_rows

ALLOCATION_COLUMNS = ("mcc", "mnc", "operator", "band", "first_arfcn", "last_arfcn", "precision")
PRECISIONS = ("exact", "approximate", "band")


@dataclass(frozen=True)
class ArfcnBlock:
    mcc: str
    mnc: int
    operator: str
    band: str
    first_arfcn: int
    last_arfcn: int
    precision: str
    source: str = ""

    def contains(self, arfcn: int) -> bool:
        return self.first_arfcn <= arfcn <= self.last_arfcn


@dataclass(frozen=True)
class Allocations:
    blocks: tuple[ArfcnBlock, ...]

    def countries(self) -> frozenset[str]:
        return frozenset(b.mcc for b in self.blocks)

    def of_plmn(self, mcc: str, mnc: str | int) -> tuple[ArfcnBlock, ...]:
        return tuple(b for b in self.blocks if b.mcc == str(mcc) and b.mnc == int(mnc))

    def holders(self, mcc: str, arfcn: int) -> tuple[ArfcnBlock, ...]:
        """Blocks of that country containing the ARFCN (several when only band-level data exist)."""
        return tuple(b for b in self.blocks if b.mcc == str(mcc) and b.contains(arfcn))


def parse_allocations(text: str, source: str = "allocations") -> Allocations:
    """Parse ``mcc,mnc,operator,band,first_arfcn,last_arfcn,precision[,source]``."""
    _, rows = read_rows(text, source, ALLOCATION_COLUMNS)
    blocks = []
    for r in rows:
        precision = r.text("precision").lower()
        if precision not in PRECISIONS:
            raise r.fail("precision", " or ".join(PRECISIONS))
        first, last = r.number("first_arfcn", int, 0, 1023), r.number("last_arfcn", int, 0, 1023)
        if last < first:
            raise r.fail("last_arfcn", f"≥ first_arfcn {first}")
        blocks.append(ArfcnBlock(mcc=r.digits("mcc", (3,)), mnc=int(r.digits("mnc", (2, 3))),
                                 operator=r.text("operator"), band=r.text("band"), first_arfcn=first,
                                 last_arfcn=last, precision=precision, source=r.text("source")))
    if not blocks:
        raise DspError(f"{source}: no allocation rows")
    return Allocations(tuple(blocks))
