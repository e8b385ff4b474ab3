"""Container origin-destination demand between economies (TEU a year).

Gravity model (docs/flows.md, "Demand"): T_ij = k_b * GDP_i * GDP_j * c_ij^-ELASTICITY, where GDP is the
World Bank figure (S-FLOW-WBGDP), c_ij the network's free-flow generalized cost between the economies'
representative cities (their most populous GeoNames city), and k_b one constant per block of economy pairs,
set so that the block total matches a sourced container-trade total (TOTALS). Domestic demand is not
modelled. A user can pass an own matrix (CSV/Parquet: origin, destination, teu) by economy or by place.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from beltroad.flows.capacity import DATA, FlowsError
from beltroad.places import Place

ELASTICITY = 0.9  # S-FLOW-DISDIER: mean distance elasticity of trade, applied to the generalized cost
CHINA = {"CHN", "HKG", "MAC"}
# CTS regions (S-FLOW-CTS2023): Europe = North Europe + Mediterranean; the Far East = East and South-East Asia
EUROPE_EXCLUDED = {"RUS", "BLR", "KAZ", "UZB", "TKM", "KGZ", "TJK", "AZE", "GEO", "ARM"}
OCEANIA = {"AUS", "NZL", "PNG", "FJI", "SLB", "VUT", "WSM", "TON", "KIR", "FSM", "MHL", "PLW", "NRU", "TUV", "COK", "NIU"}
# (block, TEU/yr, year, source): each block's pairs are scaled to its total
# China-Europe rail (A3.09): UTLC ERA carried 692,500 TEU in 2021 (China-EU transit over KZ-RU-BY, both
# directions), of which the record 420,000 TEU China->EU; the rest (272,500 TEU) is taken as EU->China
RAIL_CHINA_EUROPE = 420_000.0
RAIL_EUROPE_CHINA = 692_500.0 - 420_000.0
TOTALS = [
    ("china->europe", 12.5e6 + RAIL_CHINA_EUROPE, 2023, "S-FLOW-CTS2023;A3.09"),
    ("europe->china", 3.2e6 + RAIL_EUROPE_CHINA, 2023, "S-FLOW-CTS2023;A3.09"),
    ("fareast->europe", 16.58e6 - 12.5e6, 2023, "S-FLOW-CTS2023"),
    ("europe->fareast", 6.47e6 - 3.2e6, 2023, "S-FLOW-CTS2023"),
    # to, from and within the Far East: 66.7 m TEU in H1 2025 annualised (x2), less the Asia-Europe trades
    ("fareast-other", 2 * 66.7e6 - 16.58e6 - 6.47e6, 2025, "S-FLOW-CTSFE2025;S-FLOW-CTS2023"),
]
REST_BLOCK = "rest"  # pairs outside every block use the constant of 'fareast-other'


@dataclass
class Demand:
    zones: list[Place]
    matrix: np.ndarray           # TEU/yr, zones x zones
    zone_group: list[str]        # ISO3 of each zone (the economy)
    method: str
    asc_overland: float = 0.0    # logit constant of the overland class, calibrated on the baseline (flows.run)

    def table(self) -> pd.DataFrame:
        i, j = np.nonzero(self.matrix)
        return pd.DataFrame({"origin": [self.zones[a].name for a in i], "origin_country": [self.zone_group[a] for a in i],
                             "destination": [self.zones[b].name for b in j],
                             "destination_country": [self.zone_group[b] for b in j], "teu": self.matrix[i, j]})


def economy_table() -> pd.DataFrame:
    """Economies (economies.csv) with GDP and population (flows/data/economy_mass.csv)."""
    eco = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "network" / "economies.csv")
    mass = pd.read_csv(DATA / "economy_mass.csv")
    return eco[["iso3", "name", "region"]].merge(mass, on="iso3", how="left")


def economy_zones(gazetteer) -> tuple[list[Place], pd.DataFrame]:
    """One zone per economy with a GDP figure: its most populous GeoNames city."""
    eco = economy_table().dropna(subset=["gdp_usd"])
    cities = pd.DataFrame({"name": gazetteer.city_name, "country": gazetteer.city_country,
                           "lat": gazetteer.city_lat, "lon": gazetteer.city_lon, "pop": gazetteer.city_pop})
    top = cities.sort_values("pop", ascending=False).drop_duplicates("country").set_index("country")
    eco = eco[eco["iso3"].isin(top.index)].reset_index(drop=True)
    zones = [Place(name=str(top.at[c, "name"]), country=c, lat=float(top.at[c, "lat"]), lon=float(top.at[c, "lon"]),
                   kind="city", population=int(top.at[c, "pop"])) for c in eco["iso3"]]
    return zones, eco


def china_europe_mask(zone_group: list[str]) -> np.ndarray:
    """Pairs between China (with Hong Kong, Macao) and Europe, both directions."""
    iso = np.asarray(zone_group, dtype=object)
    reg = dict(economy_table()[["iso3", "region"]].to_numpy())
    eur = np.array([reg.get(c) == "Europe & Central Asia" and c not in EUROPE_EXCLUDED for c in iso])
    chn = np.isin(iso, list(CHINA))
    return (chn[:, None] & eur[None, :]) | (eur[:, None] & chn[None, :])


def rail_share_target() -> float:
    """Overland share of China-Europe demand in the base year: rail TEU / (CTS sea + rail TEU)."""
    rail = RAIL_CHINA_EUROPE + RAIL_EUROPE_CHINA
    return rail / (TOTALS[0][1] + TOTALS[1][1])


def block_of(o: np.ndarray, d: np.ndarray, region: dict[str, str]) -> np.ndarray:
    """Block name of each ordered economy pair (see TOTALS)."""
    def europe(c):
        return region.get(c) == "Europe & Central Asia" and c not in EUROPE_EXCLUDED

    def fareast(c):
        return region.get(c) == "East Asia & Pacific" and c not in OCEANIA

    out = np.full(len(o), REST_BLOCK, dtype=object)
    for k, (a, b) in enumerate(zip(o, d)):
        if a in CHINA and europe(b):
            out[k] = "china->europe"
        elif europe(a) and b in CHINA:
            out[k] = "europe->china"
        elif fareast(a) and europe(b):
            out[k] = "fareast->europe"
        elif europe(a) and fareast(b):
            out[k] = "europe->fareast"
        elif fareast(a) or fareast(b):
            out[k] = "fareast-other"
    return out


def gravity_demand(zones: list[Place], eco: pd.DataFrame, cost_usd: np.ndarray) -> Demand:
    """Gravity matrix scaled block by block to the sourced totals (see module doc)."""
    n = len(zones)
    gdp = eco["gdp_usd"].to_numpy(float)
    iso = eco["iso3"].to_numpy(str)
    c = np.where(np.isfinite(cost_usd) & (cost_usd > 0), cost_usd, np.nan)
    raw = np.outer(gdp, gdp) * np.power(c, -ELASTICITY)
    raw = np.nan_to_num(raw)
    np.fill_diagonal(raw, 0.0)
    same = iso[:, None] == iso[None, :]
    raw[same] = 0.0
    oi, di = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    blocks = block_of(iso[oi.ravel()], iso[di.ravel()], dict(zip(eco["iso3"], eco["region"]))).reshape(n, n)
    out = np.zeros_like(raw)
    k_rest = None
    for name, total, _, _ in TOTALS:
        m = blocks == name
        s = raw[m].sum()
        if s <= 0:
            raise FlowsError(f"no reachable pair in demand block {name}")
        out[m] = raw[m] * total / s
        if name == "fareast-other":
            k_rest = total / s
    m = blocks == REST_BLOCK
    out[m] = raw[m] * k_rest
    return Demand(zones=zones, matrix=out, zone_group=list(iso), method="gravity")


def read_demand(path: str | Path, economy_zones_: list[Place], gazetteer) -> Demand:
    """A user matrix (CSV or Parquet with columns origin, destination, teu): ISO3 codes map to the economy
    zones, anything else is resolved as a place name."""
    path = Path(path)
    if not path.exists():
        raise FlowsError(f"demand file {path} not found")
    try:
        df = pd.read_parquet(path) if path.suffix.lower() in (".parquet", ".pq") else pd.read_csv(path)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a user error here
        raise FlowsError(f"cannot read demand file {path}: {exc}") from None
    cols = {c.lower(): c for c in df.columns}
    if not {"origin", "destination", "teu"} <= set(cols):
        raise FlowsError(f"demand file needs columns origin, destination, teu; has {list(df.columns)}")
    df = df.rename(columns={cols["origin"]: "origin", cols["destination"]: "destination", cols["teu"]: "teu"})
    teu = pd.to_numeric(df["teu"], errors="coerce")
    if teu.isna().any() or (teu < 0).any():
        raise FlowsError("demand column teu must hold numbers >= 0")
    by_iso = {p.country: p for p in economy_zones_}
    zones: list[Place] = []
    index: dict[str, int] = {}

    def zone(key: str) -> int:
        key = str(key).strip()
        if key not in index:
            if key.upper() in by_iso and len(key) == 3:
                p = by_iso[key.upper()]
            else:
                try:
                    p = gazetteer.resolve(key)
                except Exception as exc:  # PlaceError: unknown or ambiguous
                    raise FlowsError(f"demand file: {exc}") from None
            index[key] = len(zones)
            zones.append(p)
        return index[key]

    o = [zone(x) for x in df["origin"]]
    d = [zone(x) for x in df["destination"]]
    m = np.zeros((len(zones), len(zones)))
    np.add.at(m, (o, d), teu.to_numpy(float))
    np.fill_diagonal(m, 0.0)
    return Demand(zones=zones, matrix=m, zone_group=[p.country for p in zones], method=f"file:{path.name}")
