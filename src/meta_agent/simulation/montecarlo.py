"""Monte Carlo: N draws of NOI growth and rate paths, per property breach odds, portfolio bands.

Each draw takes, for the whole portfolio, the NOI growth and the rate shift reached at the
horizon, and a monthly path to them (docs/DOMAIN.md, "Monte Carlo"): NOI moves in a straight
line from today's to the horizon's, rates follow a random walk tied to the drawn shift (a
Brownian bridge). Each month's shocks are applied as the NOI and rate shocks are applied, giving
the aggregate DSCR and at-risk count month by month (the fan chart); breach odds and the
P5/P50/P95 bands are those at the horizon. Draws are made in chunks of ``CHUNK_DRAWS``; chunk k
draws from its own stream, ``SeedSequence(seed).spawn(...)[k]``, which depends on k alone. So a
seed gives the same numbers whether the chunks run on one worker or many, and the first N draws
of a longer run are the N draws of a shorter one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from meta_agent.errors import ScenarioInvalid
from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD, dscr_vector
from meta_agent.simulation.paths import months_between
from meta_agent.simulation.portfolio_data import PortfolioArrays
from meta_agent.simulation.scenarios import check_threshold

# Draws per chunk: fixed, so that the random streams never depend on the number of workers.
CHUNK_DRAWS = 1_000
# Cells (draws x properties) computed at once inside a chunk: about 16 MB of float64 per array.
BLOCK_CELLS = 2_000_000
MAX_DRAWS = 1_000_000
PERCENTILE_LEVELS = (5.0, 50.0, 95.0)
FAN_LEVELS = (5.0, 25.0, 50.0, 75.0, 95.0)  # the fan chart's bands: P5-P95 and P25-P75
DEFAULT_HORIZON_MONTHS = 12
MAX_HORIZON_MONTHS = 120
YOY_MONTHS = 12
Kind = Literal["normal", "lognormal", "triangular", "historical"]
PARAMETER_COUNTS = {"normal": 2, "lognormal": 2, "triangular": 3, "historical": 0}
PARAMETER_NAMES = {
    "normal": "mean,sd",
    "lognormal": "mu,sigma",
    "triangular": "low,mode,high",
    "historical": "no parameters",
}


class Distribution(BaseModel):
    """A stated distribution: NOI growth in percent, rate shifts in basis points."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Kind
    parameters: tuple[float, ...] = ()

    @classmethod
    def parse(cls, text: str, what: Literal["noi", "rate"]) -> Distribution:
        """``normal:0,10``, ``lognormal:0,0.1``, ``triangular:-20,0,5`` or ``historical``."""
        match = re.fullmatch(r"\s*([a-z]+)\s*(?::\s*(.*))?", text.strip().lower())
        kind = match.group(1) if match else ""
        option = f"--{what}-dist"
        if kind not in PARAMETER_COUNTS:
            raise ScenarioInvalid(
                f"{option} {text!r}: unknown distribution; use normal, lognormal, triangular"
                f"{' or historical' if what == 'noi' else ''}.",
                "monte carlo",
                what,
            )
        if kind == "historical" and what == "rate":
            raise ScenarioInvalid(
                f"{option}: the historical bootstrap is for NOI; rates take normal, lognormal "
                "or triangular.",
                "monte carlo",
                what,
            )
        raw = match.group(2) if match else None
        try:
            values = tuple(float(v) for v in raw.split(",")) if raw else ()
        except ValueError:
            values = (float("nan"),)
        if len(values) != PARAMETER_COUNTS[kind] or not all(np.isfinite(values)):
            raise ScenarioInvalid(
                f"{option} {text!r}: {kind} takes {PARAMETER_NAMES[kind]}.", "monte carlo", what
            )
        if kind in ("normal", "lognormal") and values[1] < 0:
            raise ScenarioInvalid(
                f"{option} {text!r}: the spread must be >= 0.", "monte carlo", what
            )
        if (
            kind == "triangular"
            and not values[0] <= values[1] <= values[2]
            or (kind == "triangular" and values[0] == values[2])
        ):
            raise ScenarioInvalid(
                f"{option} {text!r}: triangular needs low <= mode <= high, low < high.",
                "monte carlo",
                what,
            )
        return cls(kind=kind, parameters=values)  # type: ignore[arg-type]

    def describe(self) -> str:
        values = ",".join(f"{v:g}" for v in self.parameters)
        return f"{self.kind}:{values}" if values else self.kind

    def spread(self) -> float:
        """The standard deviation of the stated distribution (rates: bp; NOI: percent)."""
        p = self.parameters
        if self.kind == "normal":
            return p[1]
        if self.kind == "triangular":
            low, mode, high = p
            return float(
                np.sqrt((low**2 + mode**2 + high**2 - low * mode - low * high - mode * high) / 18)
            )
        if self.kind == "lognormal":
            return float(np.sqrt(np.expm1(p[1] ** 2) * np.exp(2 * p[0] + p[1] ** 2)))
        raise ValueError(f"{self.kind} states no spread")


class MonteCarloSpec(BaseModel):
    """How many draws, the seed, the two distributions and the number of workers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    draws: int = Field(ge=1, le=MAX_DRAWS)
    seed: int = Field(0, ge=0)
    noi: Distribution = Distribution(kind="normal", parameters=(0.0, 10.0))
    rate: Distribution = Distribution(kind="normal", parameters=(0.0, 100.0))
    workers: int = Field(1, ge=1, le=64)
    horizon_months: int = Field(DEFAULT_HORIZON_MONTHS, ge=1, le=MAX_HORIZON_MONTHS)

    def describe(self) -> str:
        horizon = ""
        if self.horizon_months != DEFAULT_HORIZON_MONTHS:
            horizon = f" --horizon {self.horizon_months}"
        return (
            f"--monte-carlo {self.draws} --seed {self.seed} --noi-dist {self.noi.describe()} "
            f"--rate-dist {self.rate.describe()}{horizon}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "draws": self.draws,
            "seed": self.seed,
            "noi": self.noi.describe(),
            "rate": self.rate.describe(),
            "horizon_months": self.horizon_months,
            "chunk_draws": CHUNK_DRAWS,
        }


@dataclass(frozen=True)
class MonteCarloResult:
    """Per draw: aggregate DSCR and at-risk count at the horizon and month by month (months 0,
    today, to the horizon); per property: the breach probability at the horizon."""

    spec: MonteCarloSpec
    threshold: float
    aggregate_dscr: np.ndarray
    at_risk_count: np.ndarray
    breach_probability: np.ndarray
    noi_growth_pct: np.ndarray  # the portfolio's NOI growth of each draw (T12 NOI-weighted)
    rate_shift_bp: np.ndarray
    data: PortfolioArrays
    path_dscr: np.ndarray  # draws x (horizon + 1): aggregate DSCR at each month
    path_at_risk: np.ndarray  # draws x (horizon + 1): at-risk count at each month

    def fan_table(self) -> pd.DataFrame:
        """Per month: P5, P25, P50, P75 and P95 over the draws of aggregate DSCR and at-risk count."""
        rows = []
        for month in range(self.path_dscr.shape[1]):
            row: dict[str, float] = {"month": month}
            for name, values in (
                ("dscr", self.path_dscr[:, month]),
                ("at_risk", self.path_at_risk[:, month].astype(float)),
            ):
                finite = values[np.isfinite(values)]
                bands = np.percentile(finite, FAN_LEVELS) if len(finite) else [np.nan] * 5
                row.update({f"{name}_p{q:g}": v for q, v in zip(FAN_LEVELS, bands, strict=True)})
            rows.append(row)
        return pd.DataFrame(rows)

    @property
    def levels(self) -> np.ndarray:
        return np.array(PERCENTILE_LEVELS)

    def percentile_table(self) -> pd.DataFrame:
        """P5, P50 and P95 (and the mean) of each per-draw figure."""
        rows = []
        for name, values in (
            ("aggregate_dscr", self.aggregate_dscr),
            ("at_risk_count", self.at_risk_count.astype(float)),
            ("noi_growth_pct", self.noi_growth_pct),
            ("rate_shift_bp", self.rate_shift_bp),
        ):
            finite = values[np.isfinite(values)]
            p5, p50, p95 = np.percentile(finite, PERCENTILE_LEVELS) if len(finite) else [np.nan] * 3
            rows.append({"figure": name, "p5": p5, "p50": p50, "p95": p95, "mean": finite.mean()})
        return pd.DataFrame(rows)

    def breach_table(self) -> pd.DataFrame:
        """Per property: base DSCR and the share of draws below the threshold (null: no debt)."""
        from meta_agent.formulas import dscr_vector

        has_debt = np.nan_to_num(self.data.debt_service) > 0
        return pd.DataFrame(
            {
                "property_id": self.data.property_ids,
                "name": self.data.names,
                "property_type": self.data.property_types,
                "dscr": dscr_vector(self.data.noi, self.data.debt_service),
                "breach_probability": np.where(has_debt, self.breach_probability, np.nan),
            }
        )

    def summary(self) -> dict[str, Any]:
        """The figures a report leads with, as plain JSON."""
        table = self.percentile_table().set_index("figure")

        def band(name: str) -> dict[str, float | None]:
            return {k: _num(table.loc[name, k]) for k in ("p5", "p50", "p95")}

        breaches = self.breach_table().dropna(subset=["breach_probability"])
        top = breaches.sort_values(["breach_probability", "property_id"], ascending=[False, True])
        return {
            **self.spec.to_json(),
            "threshold": self.threshold,
            "aggregate_dscr": band("aggregate_dscr"),
            "at_risk_count": band("at_risk_count"),
            "highest_breach_probability": [
                {
                    "property_id": str(r.property_id),
                    "breach_probability": _num(r.breach_probability),
                }
                for r in top.head(5).itertuples()
            ],
        }


def run_monte_carlo(
    data: PortfolioArrays,
    spec: MonteCarloSpec,
    threshold: float = DEFAULT_AT_RISK_THRESHOLD,
) -> MonteCarloResult:
    """All draws of ``spec`` over the portfolio, chunk by chunk, on ``spec.workers`` threads."""
    threshold = check_threshold(threshold)
    indices = range(chunk_count(spec))
    if spec.workers == 1 or len(indices) == 1:
        chunks = compute_chunks(data, spec, threshold, indices)
    else:
        with ThreadPoolExecutor(max_workers=spec.workers) as pool:
            parts = pool.map(lambda k: compute_chunks(data, spec, threshold, [k])[0], indices)
            chunks = list(parts)  # map keeps chunk order
    return assemble(data, spec, threshold, chunks)


def chunk_count(spec: MonteCarloSpec) -> int:
    """How many chunks of ``CHUNK_DRAWS`` the draws make (the last may be shorter)."""
    return -(-spec.draws // CHUNK_DRAWS)


def compute_chunks(
    data: PortfolioArrays, spec: MonteCarloSpec, threshold: float, indices: Iterable[int]
) -> list[Chunk]:
    """The chunks numbered ``indices``, each from its own stream: the same wherever it runs."""
    history = _yoy_log_changes(data) if spec.noi.kind == "historical" else None
    total = chunk_count(spec)
    streams = np.random.SeedSequence(spec.seed).spawn(total)
    chunks = []
    for k in indices:
        if not 0 <= k < total:
            raise ValueError(f"chunk {k} is not one of the {total} chunks")
        size = min(CHUNK_DRAWS, spec.draws - k * CHUNK_DRAWS)
        chunks.append(_run_chunk(data, spec, threshold, size, streams[k], history))
    return chunks


def assemble(
    data: PortfolioArrays, spec: MonteCarloSpec, threshold: float, chunks: Sequence[Chunk]
) -> MonteCarloResult:
    """The result of every chunk, in chunk order."""
    return MonteCarloResult(
        spec=spec,
        threshold=threshold,
        aggregate_dscr=np.concatenate([c.aggregate_dscr for c in chunks]),
        at_risk_count=np.concatenate([c.at_risk_count for c in chunks]),
        breach_probability=np.sum([c.breaches for c in chunks], axis=0) / spec.draws,
        noi_growth_pct=np.concatenate([c.noi_growth_pct for c in chunks]),
        rate_shift_bp=np.concatenate([c.rate_shift_bp for c in chunks]),
        data=data,
        path_dscr=np.concatenate([c.path_dscr for c in chunks]),
        path_at_risk=np.concatenate([c.path_at_risk for c in chunks]),
    )


CHUNK_FIELDS = (
    "aggregate_dscr", "at_risk_count", "breaches", "noi_growth_pct", "rate_shift_bp",
    "path_dscr", "path_at_risk",
)  # fmt: skip


@dataclass(frozen=True)
class Chunk:
    """One chunk's draws: per draw aggregate DSCR, at-risk count, NOI growth, rate shift and
    the monthly paths; per property the number of draws below the threshold at the horizon."""

    aggregate_dscr: np.ndarray
    at_risk_count: np.ndarray
    breaches: np.ndarray
    noi_growth_pct: np.ndarray
    rate_shift_bp: np.ndarray
    path_dscr: np.ndarray
    path_at_risk: np.ndarray

    def to_json(self) -> dict[str, list[Any]]:
        """Plain lists (NaN stays NaN: Python's JSON writes and reads it)."""
        return {name: getattr(self, name).tolist() for name in CHUNK_FIELDS}

    @classmethod
    def from_json(cls, data: dict[str, list[Any]]) -> Chunk:
        """A chunk sent back by a worker."""
        return cls(
            aggregate_dscr=np.array(data["aggregate_dscr"], dtype=float),
            at_risk_count=np.array(data["at_risk_count"], dtype=np.int64),
            breaches=np.array(data["breaches"], dtype=np.int64),
            noi_growth_pct=np.array(data["noi_growth_pct"], dtype=float),
            rate_shift_bp=np.array(data["rate_shift_bp"], dtype=float),
            path_dscr=np.array(data["path_dscr"], dtype=float),
            path_at_risk=np.array(data["path_at_risk"], dtype=np.int64),
        )


def _run_chunk(
    data: PortfolioArrays,
    spec: MonteCarloSpec,
    threshold: float,
    draws: int,
    stream: np.random.SeedSequence,
    history: np.ndarray | None,
) -> Chunk:
    rng = np.random.Generator(np.random.PCG64(stream))
    # Every random number of the chunk is drawn first, in a fixed order (the horizon's NOI
    # growth, its rate shift, then the steps of the rate paths); the blocks below only split
    # the arithmetic, so they cannot change the numbers.
    if history is not None:
        months = rng.integers(0, history.shape[1], size=draws)
        noi_growth: np.ndarray | None = None
    else:
        months = None
        noi_growth = _sample(rng, spec.noi, draws, "noi")
    shifts = _sample(rng, spec.rate, draws, "rate")
    horizon = spec.horizon_months
    steps = rng.standard_normal((draws, horizon)) if horizon > 1 else None
    base_service = np.nan_to_num(data.debt_service)
    has_debt = base_service > 0
    aggregate = np.empty(draws)
    at_risk = np.empty(draws, dtype=np.int64)
    growth_pct = np.empty(draws)
    breaches = np.zeros(data.size, dtype=np.int64)
    path_dscr = np.empty((draws, horizon + 1))
    path_at_risk = np.empty((draws, horizon + 1), dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        path_dscr[:, 0] = np.sum(data.noi, where=has_debt) / np.sum(base_service)
    path_at_risk[:, 0] = np.count_nonzero(dscr_vector(data.noi, base_service) < threshold)
    block = max(1, BLOCK_CELLS // max(data.size * horizon, 1))
    for start in range(0, draws, block):
        rows = slice(start, min(start + block, draws))
        if months is not None and history is not None:
            factor = np.exp(history[:, months[rows]].T)  # draws x properties
        else:
            factor = (1.0 + noi_growth[rows] / 100.0)[:, None] if noi_growth is not None else 1.0
        noi = factor * data.noi[None, :]
        service = data.loans.debt_service(shifts[rows])
        service = np.where(has_debt[None, :], service, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            dscr = np.where(service > 0, noi / np.where(service > 0, service, 1.0), np.nan)
            below = dscr < threshold
            total_service = service.sum(axis=1)
            aggregate[rows] = np.where(has_debt[None, :], noi, 0.0).sum(axis=1) / total_service
            growth_pct[rows] = (noi.sum(axis=1) / data.noi.sum() - 1.0) * 100.0
        at_risk[rows] = below.sum(axis=1)
        breaches += below.sum(axis=0)
        path_dscr[rows, horizon] = aggregate[rows]
        path_at_risk[rows, horizon] = at_risk[rows]
        if steps is not None:
            between = months_between(
                data, spec.horizon_months, spec.rate.spread(), threshold, noi, shifts[rows],
                steps[rows],
            )  # fmt: skip
            path_dscr[rows, 1:horizon], path_at_risk[rows, 1:horizon] = between
    return Chunk(aggregate, at_risk, breaches, growth_pct, shifts, path_dscr, path_at_risk)


def _sample(rng: np.random.Generator, dist: Distribution, size: int, what: str) -> np.ndarray:
    """NOI growth in percent, or a rate shift in basis points."""
    p = dist.parameters
    if dist.kind == "normal":
        return rng.normal(p[0], p[1], size)
    if dist.kind == "triangular":
        return rng.triangular(p[0], p[1], p[2], size)
    if dist.kind == "lognormal":
        draws = rng.lognormal(p[0], p[1], size)
        return (draws - 1.0) * 100.0 if what == "noi" else draws
    raise ValueError(f"{dist.kind} is not sampled here")


def _yoy_log_changes(data: PortfolioArrays) -> np.ndarray:
    """properties x months: log of each month's NOI over the same month a year before (0 where
    either is missing or not positive)."""
    monthly = data.monthly_noi
    if monthly.shape[1] <= YOY_MONTHS:
        raise ScenarioInvalid(
            f"The historical bootstrap needs more than {YOY_MONTHS} months of NOI; the portfolio "
            f"has {monthly.shape[1]}. Use --noi-dist normal:MEAN,SD instead.",
            "monte carlo",
            "noi",
        )
    now, before = monthly[:, YOY_MONTHS:], monthly[:, :-YOY_MONTHS]
    with np.errstate(divide="ignore", invalid="ignore"):
        changes = np.log(now / before)
    usable = (now > 0) & (before > 0) & np.isfinite(changes)
    return np.where(usable, changes, 0.0)


def _num(value: Any) -> float | None:
    number = float(value)
    return number if np.isfinite(number) else None
