"""Build the multimodal graph from the dataset as flat numpy arrays (edge list + CSR on demand).

Vertices are (place, layer) pairs: every place has a `road` vertex; rail places one vertex per track
gauge; seaports a `port` vertex joined to the maritime layer; ferry ports a `ferry` vertex; river ports
a `barge` vertex (container barges, `_inland`). Layers
are joined by transfer edges that carry the handling time and cost (terminal switch, port dwell,
gauge change). Every directed edge carries its components separately (moving hours, dwell hours,
moving USD, fee USD, kg CO2e) so that scenarios can scale one component without a rebuild.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, TypeVar

import numpy as np

from beltroad.data.countries import ISO2TO3
from beltroad.data.geo import haversine_km, unit_vectors
from beltroad.data import sea as sealib
from beltroad.network.departures import rail_departure_waits, rail_wait_hours

if TYPE_CHECKING:  # pandas is imported where a table is built or asked for: the route path needs none
    import pandas as pd

    from beltroad.data.loader import Dataset

T = TypeVar("T")

# edge kinds
LINK, TRANSFER, GAUGE, PORT, PORT_SEA, SEA, FERRY_BOARD, ACCESS, TRANSSHIP = range(9)
BORDER_KINDS = (LINK,)  # border dwell and fees sit on the link that crosses the border
KIND_NAMES = ["link", "transfer", "gauge_change", "port", "port_sea", "sea", "ferry_board", "access", "transshipment"]
# modes of a movement
MODES = ["rail", "road", "ferry", "sea", "inland_water", "handling"]
RAIL, ROAD, FERRY, SEA_MODE, INLAND, HANDLING = range(6)

# rail operating regions (a classification of countries, used to pick a commercial speed)
RAIL_REGIONS = {
    "china": {"CHN"},
    "cis_1520": {"KAZ", "RUS", "BLR", "MNG", "UZB", "TKM", "KGZ", "TJK", "AZE", "GEO", "ARM", "UKR", "LTU", "LVA", "EST"},
    "eu": {"POL", "DEU", "NLD", "BEL", "FRA", "ESP", "PRT", "ITA", "AUT", "CZE", "SVK", "HUN", "SVN", "HRV", "ROU",
           "BGR", "GRC", "FIN", "SWE", "DNK", "LUX", "IRL", "GBR", "CHE", "NOR", "SRB", "MKD", "BIH", "MNE", "ALB"},
    "turkey_iran": {"TUR", "IRN", "IRQ", "AFG"},
    "south_asia": {"PAK", "IND", "BGD", "NPL", "LKA"},
    "southeast_asia": {"LAO", "THA", "MYS", "SGP", "IDN", "KHM", "VNM", "MMR"},
}
SUB_SAHARAN_EXCLUDED = {"EGY", "LBY", "TUN", "DZA", "MAR", "ESH"}
AFRICA_ISO2 = set("AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG ML MR MU MW MZ NA NE NG RW SC SD SL SN SO SS ST SZ TD TG TN TZ UG ZA ZM ZW".split())
TERMINAL_KINDS = {"city", "rail_terminal", "dry_port", "seaport", "ferry_port", "junction", "river_port"}  # junctions are station towns
# Modelling choices (docs/model.md, "regional roads"), not measured figures: each place is joined to its few
# nearest same-country neighbours, and no such edge is longer than a long day's trucking would justify.
REGIONAL_ROAD_NEIGHBOURS = 4
REGIONAL_ROAD_MAX_KM = 800.0
# Road corridors where trucks carry containers between two railheads because the rail networks do not meet
# (the Karakoram Highway between Kashgar and Havelian; the China-Kyrgyzstan-Uzbekistan road Kashgar-Osh-
# Andijan): intermodal chains may use them (docs/model.md, "truck shuttles"). Corridor ids of links/*.csv.
SHUTTLE_CORRIDORS = {"kkh_road", "cku_road"}
ROAD_TOWN_MIN_POP = 500_000  # modelling choices for road-only towns where the dataset is thin (_road_towns)
ROAD_TOWN_MAX_NODES = 3
CROSS_BORDER_ROAD_KM = 500.0  # fallback crossings: a place's nearest place across a land border, if this close
FEEDER_HUBS = 2  # modelling choice: a port without a liner call is fed from its two nearest hubs (docs/model.md)
EAST_AFRICA_GATEWAYS = {"KEMBA", "TZDAR"}  # Mombasa, Dar es Salaam: their own dwell figure (A3.18)


def customs_union_of(params: dict, open_borders_only: bool = False) -> dict[str, str]:
    """ISO3 -> customs union name (EU, EAEU, EAC, ...) from the `border.customs_unions` parameters: no
    export/import clearance between members.

    With `open_borders_only`, only unions without internal border controls (no dwell at their borders).
    A member of two such unions would keep the last one's name; no country is in the shipped parameters."""
    out: dict[str, str] = {}
    for name, union in ((params.get("border") or {}).get("customs_unions") or {}).items():
        if open_borders_only and union.get("border_controls"):
            continue
        for member in union.get("members") or []:
            out[member] = name
    return out


def rail_region(country: str) -> str:
    for region, members in RAIL_REGIONS.items():
        if country in members:
            return region
    return "africa" if country in _AFRICA_ISO3 else "other"


_AFRICA_ISO3 = {ISO2TO3[c] for c in AFRICA_ISO2 if c in ISO2TO3}


@dataclass
class Network:
    """The multimodal graph: vertex and edge arrays plus the tables they came from."""

    places: pd.DataFrame                 # dataset nodes + searoute ports; index = place index
    vertex_place: np.ndarray             # place index of each vertex (-1 for maritime vertices)
    vertex_layer: np.ndarray             # layer code of each vertex (see LAYERS)
    vertex_lon: np.ndarray
    vertex_lat: np.ndarray
    layers: list[str]
    # directed edges
    src: np.ndarray
    dst: np.ndarray
    kind: np.ndarray
    mode: np.ndarray
    km: np.ndarray
    move_hours: np.ndarray
    dwell_hours: np.ndarray              # all non-moving hours: handling + border + waiting
    border_hours: np.ndarray             # part of dwell_hours spent at a border crossing
    wait_hours: np.ndarray               # part of dwell_hours spent waiting for a departure
    move_usd: np.ndarray
    fee_usd: np.ndarray
    co2_kg: np.ndarray
    link: np.ndarray                     # index into links table or -1
    passage: np.ndarray                  # index into sea.PASSAGES or -1
    country_from: np.ndarray             # country index (into `countries`) or -1
    country_to: np.ndarray
    border: np.ndarray                   # bool: a border is crossed on this edge
    opened: np.ndarray                   # year or nan
    superseded: np.ndarray               # year or nan
    status: np.ndarray                   # 0 open, 1 under construction, 2 planned
    seasonal: np.ndarray                 # bool: seasonal closure applies
    n_sea_polylines: int                 # number of sailing polylines (their points: geom_offsets, geom_lon/lat)
    geom_offsets: np.ndarray
    geom_lon: np.ndarray
    geom_lat: np.ndarray
    edge_geom: np.ndarray                # sailing edge -> polyline index, else -1
    project: np.ndarray                  # BRI project id that built the edge's link or port, else ""
    passage_bits: np.ndarray             # bitmask over sea.PASSAGES of the passages a sailing crosses
    shuttle: np.ndarray                  # bool: a road link of a truck-shuttle corridor (SHUTTLE_CORRIDORS)
    service: np.ndarray                  # liner service of a sailing edge (feeder:<LOCODE> for feeders), else ""
    port_dwell_basis: dict               # place id of a container port -> "register" or the fallback region used
    port_roles: dict                     # place id of a container port -> hub | gateway | feeder (register)
    services_by_lane: dict               # lane -> [place ids of each active service's calls] (services.csv)
    countries: list[str]
    links: pd.DataFrame
    crossings: pd.DataFrame
    projects: pd.DataFrame
    border_compliance: pd.DataFrame
    params: dict
    content_hash: str
    place_index: dict[str, int] = field(default_factory=dict)
    port_export_basis: dict = field(default_factory=dict)  # place id of a container port -> basis of its export dwell

    @property
    def n_vertices(self) -> int:
        return len(self.vertex_place)

    @property
    def n_edges(self) -> int:
        return len(self.src)

    @property
    def hours(self) -> np.ndarray:
        return self.move_hours + self.dwell_hours

    @property
    def usd(self) -> np.ndarray:
        return self.move_usd + self.fee_usd

    def vertex(self, place_id: str, layer: str) -> int:
        return self._vertex_lookup.get((self.place_index[place_id], self.layers.index(layer)), -1)

    def __post_init__(self) -> None:
        self._vertex_lookup = {(int(p), int(layer)): i for i, (p, layer) in
                               enumerate(zip(self.vertex_place, self.vertex_layer)) if p >= 0}
        self.place_index = {pid: i for i, pid in enumerate(self.places["id"])}

    # The tables (places, links, ...) are pickled as plain numpy columns, so that loading the cached network
    # for a route needs no pandas (its import is most of a cold `beltroad route`); a table's DataFrame is
    # rebuilt on first use. `column` reads a column either way without building one.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_derived", None)
        pending = dict(state.pop("_pending_tables", {}))
        for name in TABLES:
            state[name] = _Columns.of(state[name]) if name in state else pending[name]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update({k: v for k, v in state.items() if k not in TABLES})
        self._pending_tables = {k: state[k] for k in TABLES}

    def __getattr__(self, name: str):
        """A table not yet asked for as a DataFrame (only called for attributes not set). Safe under threads: two
        first uses may both build the frame; the first one stored wins."""
        pending = self.__dict__.get("_pending_tables")
        if pending is None or name not in TABLES:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        cols = pending.get(name)
        if cols is not None:
            self.__dict__.setdefault(name, cols.frame())
            pending.pop(name, None)
        return self.__dict__[name]

    def derived(self, key: str, compute: Callable[["Network"], T]) -> T:
        """A table that routing derives from this network once (customs rows, per-edge export hours), kept with
        it but not pickled. Under threads two first uses may both compute it; the first one stored wins."""
        cache = self.__dict__.setdefault("_derived", {})
        if key not in cache:
            cache.setdefault(key, compute(self))
        return cache[key]

    def column(self, table: str, name: str) -> np.ndarray:
        """One column of a table (`places`, `links`, ...) as a numpy array, without building its DataFrame."""
        cols = (self.__dict__.get("_pending_tables") or {}).get(table)
        if cols is not None:
            return cols.columns[name]
        return getattr(self, table)[name].to_numpy()

    def table_len(self, table: str) -> int:
        """Number of rows of a table, without building its DataFrame."""
        cols = (self.__dict__.get("_pending_tables") or {}).get(table)
        return cols.n_rows if cols is not None else len(getattr(self, table))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The network as DataFrames for notebook users (one row per directed edge in `edges`)."""
        import pandas as pd

        edges = pd.DataFrame({
            "src": self.src, "dst": self.dst, "kind": np.array(KIND_NAMES)[self.kind],
            "mode": np.array(MODES)[self.mode], "distance_km": self.km, "transit_hours": self.hours,
            "cost_usd": self.usd, "co2_kg": self.co2_kg,
            "link_id": np.where(self.link >= 0, self.links["id"].to_numpy()[np.maximum(self.link, 0)], ""),
            "passage": np.where(self.passage >= 0, np.array(sealib.PASSAGES + [""])[self.passage], ""),
            "border": self.border,
        })
        vertices = pd.DataFrame({
            "place_id": np.where(self.vertex_place >= 0, self.places["id"].to_numpy()[np.maximum(self.vertex_place, 0)], ""),
            "layer": np.array(self.layers)[self.vertex_layer], "lon": self.vertex_lon, "lat": self.vertex_lat})
        return {"places": self.places, "links": self.links, "crossings": self.crossings,
                "projects": self.projects, "vertices": vertices, "edges": edges}


TABLES = ("places", "links", "crossings", "projects", "border_compliance")


class _Columns:
    """A DataFrame as plain numpy columns plus their pandas dtypes: how `Network` pickles its tables."""

    __slots__ = ("columns", "dtypes", "n_rows")

    def __init__(self, columns: dict[str, np.ndarray], dtypes: dict[str, str], n_rows: int):
        self.columns, self.dtypes, self.n_rows = columns, dtypes, n_rows

    @classmethod
    def of(cls, df: "pd.DataFrame | _Columns") -> "_Columns":
        if type(df) is _Columns:
            return df
        import pandas as pd

        if not isinstance(df.index, pd.RangeIndex) or df.index.start != 0 or df.index.step != 1 or df.index.name:
            raise TypeError("network tables have a default RangeIndex")
        cols = {str(c): df[c].to_numpy() for c in df.columns}
        return cls(cols, {str(c): str(df[c].dtype) for c in df.columns}, len(df))

    def frame(self) -> "pd.DataFrame":
        import pandas as pd

        df = pd.DataFrame(self.columns, index=pd.RangeIndex(self.n_rows))
        return df.astype({c: d for c, d in self.dtypes.items() if str(df[c].dtype) != d})

    def __getstate__(self):
        return self.columns, self.dtypes, self.n_rows

    def __setstate__(self, state) -> None:
        self.columns, self.dtypes, self.n_rows = state


class _Builder:
    def __init__(self, ds: Dataset):
        self.ds = ds
        self.p = ds.params
        self.open_union = customs_union_of(ds.params, open_borders_only=True)  # ISO3 -> EU, EAEU
        self.vertex_place: list[int] = []
        self.vertex_layer: list[int] = []
        self.vertex_lon: list[float] = []
        self.vertex_lat: list[float] = []
        self.layers = ["road", "port", "ferry", "gate", "port_in"]
        self.lookup: dict[tuple[int, int], int] = {}
        self.cols: dict[str, list] = {k: [] for k in (
            "src", "dst", "kind", "mode", "km", "move_hours", "dwell_hours", "border_hours", "wait_hours",
            "move_usd", "fee_usd", "co2_kg",
            "link", "passage", "country_from", "country_to", "border", "opened", "superseded", "status",
            "seasonal", "edge_geom", "project", "passage_bits", "service", "shuttle")}

    # --- parameters -------------------------------------------------------------------------
    def val(self, *path, key="value") -> float:
        return self.ds.param(*path, key=key)

    def layer(self, name: str) -> int:
        if name not in self.layers:
            self.layers.append(name)
        return self.layers.index(name)

    def vertex(self, place: int, layer: str, lon: float, lat: float) -> int:
        key = (place, self.layer(layer))
        if key not in self.lookup:
            self.lookup[key] = len(self.vertex_place)
            self.vertex_place.append(place)
            self.vertex_layer.append(key[1])
            self.vertex_lon.append(lon)
            self.vertex_lat.append(lat)
        return self.lookup[key]

    def edge(self, a: int, b: int, *, kind: int, mode: int, km=0.0, move_hours=0.0, dwell_hours=0.0, move_usd=0.0,
             fee_usd=0.0, co2=0.0, link=-1, passage=-1, cf=-1, ct=-1, border=False, opened=np.nan,
             superseded=np.nan, status=0, seasonal=False, geom=-1, both=True, back_dwell=None, back_fee=None,
             project="", border_hours=0.0, wait_hours=0.0, back_wait=None, passage_bits=0, service="",
             shuttle=False):
        """Add a directed edge a->b (and b->a unless `both` is False). `dwell_hours` is every non-moving hour;
        `border_hours` and `wait_hours` say which part of it is border dwell and waiting for a departure.
        The reverse direction may dwell or wait differently (unloading does not wait for a departure)."""
        fwd = (a, b, dwell_hours, fee_usd, cf, ct, wait_hours)
        back = (b, a, dwell_hours if back_dwell is None else back_dwell, fee_usd if back_fee is None else back_fee,
                ct, cf, wait_hours if back_wait is None else back_wait)
        for (s, d, dw, fe, f, t, wt) in ([fwd, back] if both else [fwd]):
            c = self.cols
            c["src"].append(s); c["dst"].append(d); c["kind"].append(kind); c["mode"].append(mode)
            c["km"].append(km); c["move_hours"].append(move_hours); c["dwell_hours"].append(dw)
            c["border_hours"].append(border_hours); c["wait_hours"].append(wt)
            c["move_usd"].append(move_usd); c["fee_usd"].append(fe); c["co2_kg"].append(co2)
            c["link"].append(link); c["passage"].append(passage); c["country_from"].append(f)
            c["country_to"].append(t); c["border"].append(border); c["opened"].append(opened)
            c["superseded"].append(superseded); c["status"].append(status); c["seasonal"].append(seasonal)
            c["edge_geom"].append(geom)
            c["project"].append(project)
            c["passage_bits"].append(passage_bits if passage_bits else (1 << int(passage) if passage >= 0 else 0))
            c["service"].append(service)
            c["shuttle"].append(shuttle)

    # --- build ------------------------------------------------------------------------------
    def build(self) -> Network:
        """The steps in the order their edges are appended (the edge order is part of the cached network)."""
        places = self._places()
        place_country, pidx, lon, lat = self._index_places(places)
        links = self.ds.links.reset_index(drop=True)
        status_code = {"open": 0, "under_construction": 1, "planned": 2}
        barge_links, shuttle_places = self._dataset_links(links, places, place_country, pidx, lon, lat, status_code)
        self._regional_roads(places, place_country)
        self._transfers(links, places, place_country, pidx, lon, lat, shuttle_places)
        self._gauge_changes(pidx, place_country)
        # ports and the sea: liner services between the container ports of the register (network/liner.py)
        sea_polylines = self._sea(places, place_country, pidx, lon, lat, status_code)
        self._inland(barge_links, places, place_country, lon, lat)
        return self._network(places, links, sea_polylines)

    def _index_places(self, places: pd.DataFrame) -> tuple[np.ndarray, dict, np.ndarray, np.ndarray]:
        """Country index per place, place index by id, coordinates; a `road` vertex for every place."""
        self.countries = sorted(set(places["country"]) - {""})
        cidx = {c: i for i, c in enumerate(self.countries)}
        place_country = places["country"].map(lambda c: cidx.get(c, -1)).to_numpy()
        pidx = {pid: i for i, pid in enumerate(places["id"])}
        lon, lat = places["lon"].to_numpy(float), places["lat"].to_numpy(float)
        for i in range(len(places)):
            self.vertex(i, "road", lon[i], lat[i])
        return place_country, pidx, lon, lat

    def _dataset_links(self, links: pd.DataFrame, places: pd.DataFrame, place_country: np.ndarray, pidx: dict,
                       lon: np.ndarray, lat: np.ndarray, status_code: dict) -> tuple[list[tuple], set[int]]:
        """Rail, road and ferry edges of the dataset's links, with their border dwell and fees.

        Returns the barge links (built by `_inland`, after the sea) and the places at the ends of truck-shuttle
        corridors (their gate-truck transfers are added by `_transfers`).
        """
        import pandas as pd

        crossings = self.ds.crossings
        border_rows = crossings[crossings["kind"].eq("border")].set_index("link")
        border_rows = border_rows[~border_rows.index.duplicated()]
        sp = self.ds.speeds.dropna(subset=["speed_kmh"])  # per-link commercial speeds (speeds/*.csv); else regional
        link_speeds = dict(zip(sp["link"], sp["speed_kmh"].astype(float)))
        barge_links: list[tuple] = []
        shuttle_places: set[int] = set()
        for li, r in links.iterrows():
            if r["from"] not in pidx or r["to"] not in pidx or r["class"] == "rail_hsr":
                continue
            a_pl, b_pl = pidx[r["from"]], pidx[r["to"]]
            ca, cb = places.at[a_pl, "country"], places.at[b_pl, "country"]
            km = float(r["length_km"])
            mode = r["mode"]
            common = dict(km=km, link=li, cf=int(place_country[a_pl]), ct=int(place_country[b_pl]),
                          opened=r["opened"], superseded=r["superseded"], status=status_code.get(r["status"], 2),
                          seasonal=bool(r["seasonal_closure"]), project=r["project"])
            dwell = fee = 0.0
            crosses = ca != cb
            if crosses:
                # the crossing's own figures; a blank figure (or no row) falls back to the mode's default,
                # which is zero inside a customs union without border controls (EU, EAEU). Ferry waits are
                # carried by the ferry parameters.
                b = border_rows.loc[r["id"]] if r["id"] in border_rows.index else None
                default_h = default_usd = 0.0
                if mode in ("rail", "road", "inland_water") and not self._open_border(ca, cb):
                    key = "road_default" if mode == "road" else "rail_default"  # barges: as trains (docs/model.md)
                    default_h, default_usd = self.val("border", key, key="hours"), self.val("border", key, key="usd")
                dwell = float(b["dwell_hours"]) if b is not None and pd.notna(b["dwell_hours"]) else default_h
                fee = float(b["fee_usd"]) if b is not None and pd.notna(b["fee_usd"]) else default_usd
            if mode == "rail":
                g = int(r["gauge_mm"])
                va = self.vertex(a_pl, f"rail{g}", lon[a_pl], lat[a_pl])
                vb = self.vertex(b_pl, f"rail{g}", lon[b_pl], lat[b_pl])
                speed = link_speeds.get(r["id"]) or 0.5 * (self.val("rail", "commercial_speed_kmh", rail_region(ca))
                                                          + self.val("rail", "commercial_speed_kmh", rail_region(cb)))
                traction = "electric" if "electric" in r["class"] else "diesel"
                self.edge(va, vb, kind=LINK, mode=RAIL, move_hours=km / speed, dwell_hours=dwell, border_hours=dwell,
                          move_usd=km * self.val("rail", "rate_usd_per_teu_km", r["class"]), fee_usd=fee,
                          co2=km * self.val("rail", "co2e_kg_per_teu_km", traction), border=crosses, **common)
            elif mode == "road":
                va, vb = self.lookup[(a_pl, 0)], self.lookup[(b_pl, 0)]
                # driving hours only: the daily rest depends on the whole road leg (planner, skim)
                drive = km / self.val("road", "speed_kmh", r["class"])
                shuttle = bool(set(str(r["corridor"]).split(";")) & SHUTTLE_CORRIDORS)
                if shuttle:
                    shuttle_places.update((a_pl, b_pl))
                self.edge(va, vb, kind=LINK, mode=ROAD, move_hours=drive, dwell_hours=dwell, border_hours=dwell,
                          shuttle=shuttle,
                          move_usd=km * self.val("road", "rate_usd_per_teu_km", r["class"]), fee_usd=fee,
                          co2=km * self.val("road", "co2e_kg_per_teu_km"), border=crosses, **common)
            elif mode == "inland_water":  # container barges: edges built by _inland, after the sea
                barge_links.append((li, a_pl, b_pl, dwell, fee, crosses, common, str(r["corridor"])))
            elif mode in ("ferry", "sea"):
                va = self.vertex(a_pl, "ferry", lon[a_pl], lat[a_pl])
                vb = self.vertex(b_pl, "ferry", lon[b_pl], lat[b_pl])
                fk = "caspian" if "caspian_ferry" in r["corridor"] else "default"
                knots = self.val("ferry", fk, "speed_knots")
                if fk == "caspian":
                    usd = self.val("ferry", fk, "rate_usd_per_teu")
                else:
                    usd = km * self.val("ferry", fk, "rate_usd_per_teu_km")
                self.edge(va, vb, kind=LINK, mode=FERRY, move_hours=km / (knots * 1.852), dwell_hours=dwell,
                          border_hours=dwell,
                          move_usd=usd, fee_usd=fee, co2=km * self.val("ferry", fk, "co2e_kg_per_teu_km"),
                          border=crosses, **common)
        return barge_links, shuttle_places

    def _transfers(self, links: pd.DataFrame, places: pd.DataFrame, place_country: np.ndarray, pidx: dict,
                   lon: np.ndarray, lat: np.ndarray, shuttle_places: set[int]) -> None:
        """Transfers at places: gate <-> rail, ferry boarding, and gate <-> truck at truck-shuttle terminals.

        A terminal's `gate` is where containers enter and leave the intermodal network (rail, ferry, port):
        first- and last-mile trucks reach it by access links, long-haul trucks do not. The `road` layer carries
        all-road trips only, so a route never trucks hundreds of km between two intermodal legs (docs/model.md,
        "gates").
        """
        import pandas as pd

        kinds = places["kind"].to_numpy()
        caspian = links[links["corridor"].str.contains("caspian_ferry", na=False)]
        caspian_ports = {pidx[x] for x in pd.concat([caspian["from"], caspian["to"]]) if x in pidx}
        t_h, t_usd = self.val("rail", "terminal_transfer", key="hours"), self.val("rail", "terminal_transfer", key="usd")
        wait_rail = self.val("rail", "departure_wait_hours")
        rail_waits = rail_departure_waits(self.ds.departures)  # a terminal's train frequency (network/departures.py)
        rail_layers = [i for i, name in enumerate(self.layers) if name.startswith("rail")]
        for (pl, layer), v in list(self.lookup.items()):
            name = self.layers[layer]
            road_v = self.lookup[(pl, 0)]
            if name.startswith("rail") and kinds[pl] in TERMINAL_KINDS:
                gate_v = self.vertex(pl, "gate", lon[pl], lat[pl])
                # loading waits for the next departure; unloading does not
                wr = rail_wait_hours(rail_waits, places.at[pl, "id"], name, wait_rail)
                self.edge(gate_v, v, kind=TRANSFER, mode=HANDLING, dwell_hours=t_h + wr, wait_hours=wr,
                          fee_usd=t_usd, back_dwell=t_h, back_wait=0.0, cf=int(place_country[pl]), ct=int(place_country[pl]))
            if name == "ferry":
                fk = "caspian" if pl in caspian_ports else "default"
                wait = self.val("ferry", fk, "wait_hours")
                # trucks board ro-ro ferries from the road; containers from the gate or a train
                gate = [self.vertex(pl, "gate", lon[pl], lat[pl])] if kinds[pl] in TERMINAL_KINDS else []
                for other in [road_v] + gate + [self.lookup[(pl, rl)] for rl in rail_layers if (pl, rl) in self.lookup]:
                    self.edge(other, v, kind=FERRY_BOARD, mode=HANDLING, dwell_hours=t_h + wait, wait_hours=wait,
                              fee_usd=t_usd, back_dwell=t_h, back_wait=0.0, cf=int(place_country[pl]),
                              ct=int(place_country[pl]))
        # truck shuttles: at the terminals of a shuttle corridor, boxes move between the gate and the truck.
        # No second lift: a train <-> truck switch already pays the rail <-> gate transfer above
        for pl in sorted(shuttle_places):
            if kinds[pl] in TERMINAL_KINDS and (pl, self.layers.index("gate") if "gate" in self.layers else -1) in self.lookup:
                self.edge(self.lookup[(pl, self.layers.index("gate"))], self.lookup[(pl, 0)], kind=TRANSFER,
                          mode=HANDLING, dwell_hours=0.0, fee_usd=0.0, cf=int(place_country[pl]),
                          ct=int(place_country[pl]))

    def _gauge_changes(self, pidx: dict, place_country: np.ndarray) -> None:
        """Gauge-change edges between a place's rail layers (a facility without published figures gets the
        sourced default)."""
        import pandas as pd

        gc_default_h = self.val("rail", "gauge_change_default", key="hours")
        gc_default_usd = self.val("rail", "gauge_change_default", key="usd")
        crossings = self.ds.crossings
        for _, c in crossings[crossings["kind"].eq("gauge_change")].iterrows():
            if c["node"] not in pidx or pd.isna(c["gauge_from_mm"]) or pd.isna(c["gauge_to_mm"]):
                continue
            pl = pidx[c["node"]]
            la, lb = f"rail{int(c['gauge_from_mm'])}", f"rail{int(c['gauge_to_mm'])}"
            if la not in self.layers or lb not in self.layers:
                continue
            ka, kb = (pl, self.layers.index(la)), (pl, self.layers.index(lb))
            if ka not in self.lookup or kb not in self.lookup:
                continue
            hours = c["gauge_change_hours"] if pd.notna(c["gauge_change_hours"]) else gc_default_h
            usd = c["gauge_change_usd"] if pd.notna(c["gauge_change_usd"]) else gc_default_usd
            self.edge(self.lookup[ka], self.lookup[kb], kind=GAUGE, mode=HANDLING, dwell_hours=float(hours),
                      fee_usd=float(usd), cf=int(place_country[pl]), ct=int(place_country[pl]), opened=c["opened"])

    def _network(self, places: pd.DataFrame, links: pd.DataFrame,
                 sea_polylines: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Network:
        """The collected vertex and edge columns as typed numpy arrays, with the tables they came from."""
        ds, p = self.ds, self.p
        arr = {k: np.asarray(v) for k, v in self.cols.items()}
        return Network(
            places=places, vertex_place=np.asarray(self.vertex_place, dtype=np.int32),
            vertex_layer=np.asarray(self.vertex_layer, dtype=np.int16),
            vertex_lon=np.asarray(self.vertex_lon), vertex_lat=np.asarray(self.vertex_lat), layers=self.layers,
            src=arr["src"].astype(np.int32), dst=arr["dst"].astype(np.int32), kind=arr["kind"].astype(np.int8),
            mode=arr["mode"].astype(np.int8), km=arr["km"].astype(float), move_hours=arr["move_hours"].astype(float),
            dwell_hours=arr["dwell_hours"].astype(float), border_hours=arr["border_hours"].astype(float),
            wait_hours=arr["wait_hours"].astype(float), move_usd=arr["move_usd"].astype(float),
            fee_usd=arr["fee_usd"].astype(float), co2_kg=arr["co2_kg"].astype(float),
            link=arr["link"].astype(np.int32), passage=arr["passage"].astype(np.int16),
            country_from=arr["country_from"].astype(np.int16), country_to=arr["country_to"].astype(np.int16),
            border=arr["border"].astype(bool), opened=arr["opened"].astype(float),
            superseded=arr["superseded"].astype(float), status=arr["status"].astype(np.int8),
            seasonal=arr["seasonal"].astype(bool), project=arr["project"].astype(str),
            passage_bits=arr["passage_bits"].astype(np.int64), service=arr["service"].astype(str),
            shuttle=arr["shuttle"].astype(bool),
            n_sea_polylines=len(sea_polylines[0]) - 1, geom_offsets=sea_polylines[0],
            geom_lon=sea_polylines[1], geom_lat=sea_polylines[2], edge_geom=arr["edge_geom"].astype(np.int32),
            port_dwell_basis=self.port_dwell_basis, port_export_basis=self.port_export_basis, port_roles=self.port_roles,
            services_by_lane=self.services_by_lane,
            countries=self.countries, links=links, crossings=ds.crossings, projects=ds.projects,
            border_compliance=ds.border_compliance, params=p, content_hash=ds.content_hash)

    def _sea(self, places: pd.DataFrame, place_country: np.ndarray, pidx: dict, lon: np.ndarray, lat: np.ndarray,
             status_code: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Port vertices and liner sailings. Returns the sailing polylines (offsets, lon, lat).

        Each register port has a departure vertex (`port`: boxes loaded, or transshipped onto a ship) and an
        arrival vertex (`port_in`: boxes discharged). Export and import dwell sit on gate/rail <-> port
        edges, transshipment on port_in -> port; sailings run port -> port_in of a later call.
        """
        from beltroad.network.liner import SeaRouter, build_sailings

        liner = self.ds.liner
        lv = lambda *path: float(_dig(liner, path))  # noqa: E731 - liner parameter value
        reg = self.ds.ports
        reg = reg[reg["role"].ne("river")].reset_index(drop=True)
        port_pl = np.array([pidx[_register_place_id(r)] for r in reg.itertuples(index=False)])
        layer, attach = sealib.build_sea_layer(reg["lon"].to_numpy(float), reg["lat"].to_numpy(float))
        router = SeaRouter(layer)
        mainline_knots = self.val("sea", "service_speed_knots")
        params = {"mainline_speed_knots": mainline_knots, "feeder_speed_knots": lv("feeder_speed_knots"),
                  "vessel_hours_per_call": lv("vessel_hours_per_call"),
                  "neopanamax_max_teu": lv("panama", "neopanamax_max_teu"), "feeder_hubs": FEEDER_HUBS}
        passage_cfg = (self.p.get("sea") or {}).get("passages") or {}
        sailings = build_sailings(router, reg, attach, self.ds.services, params, passage_cfg)
        rate, co2f = self.val("sea", "rate_usd_per_teu_km"), self.val("sea", "co2e_kg_per_teu_km")
        handling = self.val("sea", "port_handling", key="usd")
        tranship_h = lv("transshipment_dwell_days") * 24.0
        gap = haversine_km(reg["lat"].to_numpy(float), reg["lon"].to_numpy(float), layer.lat[attach], layer.lon[attach])
        projects = self.ds.projects.drop_duplicates("id").set_index("id")
        out_v, in_v = {}, {}
        self.port_dwell_basis, self.port_export_basis, self.port_roles = {}, {}, {}
        sailing_ports = {sl.from_port for sl in sailings} & {sl.to_port for sl in sailings}
        for k, pl in enumerate(port_pl):
            pl = int(pl)
            if k not in sailing_ports:  # no ocean service reaches it (the Caspian is a closed sea): ferries only
                continue
            out_v[k] = self.vertex(pl, "port", lon[pl], lat[pl])
            in_v[k] = self.vertex(pl, "port_in", lon[pl], lat[pl])
            gate = self.vertex(pl, "gate", lon[pl], lat[pl])  # drayage reaches the port through its gate
            # a port built by a BRI project exists from the project's opening (planned: not yet)
            proj = places.at[pl, "project"] if "project" in places.columns else ""
            proj = proj if isinstance(proj, str) else ""
            life = {}
            if proj and proj in projects.index:
                pr = projects.loc[proj]
                life = dict(opened=pr["opened"], status=status_code.get(pr["status"], 2), project=proj)
            dwell_days, basis = self._port_dwell_days(reg.iloc[k], places.at[pl, "country"])
            export_days, export_basis = self._export_dwell_days(reg.iloc[k], dwell_days, basis)
            self.port_dwell_basis[places.at[pl, "id"]] = basis
            self.port_export_basis[places.at[pl, "id"]] = export_basis
            self.port_roles[places.at[pl, "id"]] = reg["role"].iat[k]
            cc = int(place_country[pl])
            lands = [gate] + [self.lookup[(pl, li)] for li, name in enumerate(self.layers)
                              if name.startswith("rail") and (pl, li) in self.lookup]
            for land in lands:
                self.edge(land, out_v[k], kind=PORT, mode=HANDLING, dwell_hours=export_days * 24.0, fee_usd=handling,
                          cf=cc, ct=cc, both=False, **life)
                self.edge(in_v[k], land, kind=PORT, mode=HANDLING, dwell_hours=dwell_days * 24.0, fee_usd=handling,
                          cf=cc, ct=cc, both=False, **life)
            if reg["role"].iat[k] in ("hub", "gateway"):  # feeder ports are ends of feeder runs, not relays
                self.edge(in_v[k], out_v[k], kind=TRANSSHIP, mode=HANDLING, dwell_hours=tranship_h,
                          fee_usd=handling, cf=cc, ct=cc, both=False, **life)
        offsets, glon, glat = [0], [], []
        knots_kmh = {False: mainline_knots * 1.852, True: lv("feeder_speed_knots") * 1.852}
        for sl in sailings:
            if sl.from_port not in out_v or sl.to_port not in in_v:
                continue
            conn = float(gap[sl.from_port] + gap[sl.to_port])  # quay to the sea lane at both ends
            km = sl.km + conn
            pts = sl.geometry
            a_pl, b_pl = int(port_pl[sl.from_port]), int(port_pl[sl.to_port])  # drawn from place to place
            line = np.vstack([[lon[a_pl], lat[a_pl]], pts, [lon[b_pl], lat[b_pl]]])
            glon.extend(line[:, 0]); glat.extend(line[:, 1]); offsets.append(len(glon))
            first = int(np.flatnonzero([(sl.passages >> i) & 1 for i in range(len(sealib.PASSAGES))])[0]) \
                if sl.passages else -1
            self.edge(out_v[sl.from_port], in_v[sl.to_port], kind=SEA, mode=SEA_MODE, km=km,
                      move_hours=sl.sail_hours + conn / knots_kmh[sl.feeder], move_usd=km * rate, fee_usd=sl.toll_usd, co2=km * co2f, passage=first,
                      passage_bits=sl.passages, geom=len(offsets) - 2, both=False,
                      service=sl.service + (" (Cape diversion)" if sl.diversion else ""))
        self.n_sailings = len(sailings)
        place_of = {code: places.at[int(port_pl[k]), "id"] for k, code in enumerate(reg["locode"])}
        self.services_by_lane = {}
        for svc in self.ds.services.itertuples(index=False):
            if svc.status != "suspended":
                self.services_by_lane.setdefault(svc.lane, []).append([place_of[c] for c in svc.port_calls
                                                                        if c in place_of])
        return np.asarray(offsets), np.asarray(glon, dtype=float), np.asarray(glat, dtype=float)

    def _inland(self, barge_links: list[tuple], places: pd.DataFrame, place_country: np.ndarray, lon: np.ndarray,
                lat: np.ndarray) -> None:
        """Container barges on rivers: INLAND edges on each river port's `barge` layer (not the ferry layer).

        A link's `from` is its upstream end, so each direction gets its own speed. Boxes board a barge from the
        place's gate or a train (terminal handling + the wait for a departure; unloading does not wait) and, at
        a seaport, from or onto a ship with the port's dwell and handling (the barge-sea chain).
        """
        if not barge_links:
            return
        iv = lambda *path, key="value": self.val("inland_water", *path, key=key)  # noqa: E731
        speeds = (self.p.get("inland_water") or {}).get("speed_kmh") or {}
        rate, co2f = iv("rate_usd_per_teu_km"), iv("co2e_kg_per_teu_km")
        t_h, t_usd = iv("terminal_transfer", key="hours"), iv("terminal_transfer", key="usd")
        wait = iv("departure_wait_hours")
        river_places: set[int] = set()
        for li, a_pl, b_pl, dwell, fee, crosses, common, corridor in barge_links:
            river = next((k for k in corridor.replace(";", "_").split("_") if k in speeds and k != "default"),
                         "default")
            va = self.vertex(a_pl, "barge", lon[a_pl], lat[a_pl])
            vb = self.vertex(b_pl, "barge", lon[b_pl], lat[b_pl])
            river_places |= {a_pl, b_pl}
            km = common["km"]
            for s, d, way, swap in ((va, vb, "downstream", False), (vb, va, "upstream", True)):
                kw = dict(common, cf=common["ct"], ct=common["cf"]) if swap else common
                self.edge(s, d, kind=LINK, mode=INLAND, move_hours=km / iv("speed_kmh", river, way),
                          dwell_hours=dwell, border_hours=dwell, move_usd=km * rate, fee_usd=fee, co2=km * co2f,
                          border=crosses, both=False, **kw)
        reg = self.ds.ports
        reg = reg[reg["role"].ne("river")].reset_index(drop=True)
        reg_row = {_register_place_id(r): k for k, r in enumerate(reg.itertuples(index=False))}
        handling = self.val("sea", "port_handling", key="usd")
        rail_layers = [i for i, name in enumerate(self.layers) if name.startswith("rail")]
        port_l, port_in_l = self.layers.index("port"), self.layers.index("port_in")
        for pl in sorted(river_places):
            v = self.lookup[(pl, self.layers.index("barge"))]
            cc = int(place_country[pl])
            gate = self.vertex(pl, "gate", lon[pl], lat[pl])
            for land in [gate] + [self.lookup[(pl, rl)] for rl in rail_layers if (pl, rl) in self.lookup]:
                self.edge(land, v, kind=TRANSFER, mode=HANDLING, dwell_hours=t_h + wait, wait_hours=wait,
                          fee_usd=t_usd, back_dwell=t_h, back_wait=0.0, cf=cc, ct=cc)
            out, inn = self.lookup.get((pl, port_l)), self.lookup.get((pl, port_in_l))
            if out is None or inn is None:
                continue
            pid = places.at[pl, "id"]
            if pid not in reg_row:
                continue
            dwell_d = self._port_dwell_days(reg.iloc[reg_row[pid]], places.at[pl, "country"])[0]
            dwell_h = 24.0 * dwell_d
            export_h = 24.0 * self._export_dwell_days(reg.iloc[reg_row[pid]], dwell_d)[0]
            # barge -> ship: export dwell; ship -> barge: import dwell, then the wait for the barge's departure
            self.edge(v, out, kind=PORT, mode=HANDLING, dwell_hours=export_h, fee_usd=handling, cf=cc, ct=cc, both=False)
            self.edge(inn, v, kind=PORT, mode=HANDLING, dwell_hours=dwell_h + wait, wait_hours=wait, fee_usd=handling,
                      cf=cc, ct=cc, both=False)

    def _port_dwell_days(self, row, country: str) -> tuple[float, str]:
        """Container dwell at a port (days): the register's figure, else the regional fallback (flagged)."""
        import pandas as pd

        if pd.notna(row.get("container_dwell_days")):
            return float(row["container_dwell_days"]), "register"
        dw = self.ds.liner["container_dwell_days"]
        if row["locode"] in EAST_AFRICA_GATEWAYS:
            return float(dw["east_africa_gateways"]["value"]), "east_africa_gateways"
        if country in _AFRICA_ISO3 and country not in SUB_SAHARAN_EXCLUDED and country != "ZAF":
            return float(dw["sub_saharan_africa"]["value"]), "sub_saharan_africa"
        return float(dw["default"]["value"]), "default"

    def _single_road(self) -> tuple[float, float, float, float]:
        """Road circuity, speed (km/h), rate (USD/TEU-km) and kg CO2e/TEU-km of a single-carriageway road: the
        figures of every road the dataset does not list (regional and fallback roads)."""
        return (self.val("circuity", "road"), self.val("road", "speed_kmh", "road_single"),
                self.val("road", "rate_usd_per_teu_km", "road_single"), self.val("road", "co2e_kg_per_teu_km"))

    def _export_dwell_days(self, row, import_days: float, import_basis: str = "register") -> tuple[float, str]:
        """Dwell of an export box before loading (days): the register's `export_dwell_days` where a source gives
        it, else `liner.container_dwell_days.export_default` (capped at the port's own dwell). The register's
        and the regional container_dwell_days are import dwell: long stays are boxes waiting for clearance and
        for their importers (A3.18/A3.19), which an export box does not do."""
        v = row.get("export_dwell_days")
        if v is not None and v == v:  # given (not empty / NaN)
            return float(row["export_dwell_days"]), "register"
        default = float(self.ds.liner["container_dwell_days"]["export_default"]["value"])
        return (import_days, import_basis) if import_days <= default else (default, "export_default")

    def _regional_roads(self, places: pd.DataFrame, place_country: np.ndarray) -> None:
        """Domestic trucking between neighbouring terminals, where the dataset has no road corridor.

        The dataset holds the long-haul road corridors; everywhere else a truck can still drive from one
        place to the next inside a country. Each place is joined to its nearest places in the same country
        (within REGIONAL_ROAD_MAX_KM) by a road edge at single-carriageway speed and rate, whose length is the
        road's measured on OpenStreetMap where available, else the great circle x the sourced road circuity.
        """
        import pandas as pd

        # every place a truck can reach: terminals, ports, towns at junctions and border posts
        term = np.arange(len(places))
        km_factor, speed, rate, co2 = self._single_road()
        seen: set[tuple[int, int]] = set()
        added: set[tuple[int, int]] = set()
        from beltroad.data.geometry import regional_road_km, regional_road_status

        ids = places["id"].to_numpy()
        from scipy.cluster.hierarchy import DisjointSet  # build time only, as scipy.spatial below

        # places that the dataset's own road corridors already join (union-find over its road links)
        joined_by_dataset = DisjointSet(range(len(places)))
        pidx = {pid: i for i, pid in enumerate(ids)}
        road = self.ds.links[self.ds.links["mode"].eq("road")]
        direct = set()
        for a_id, b_id in zip(road["from"], road["to"]):
            if a_id in pidx and b_id in pidx:
                joined_by_dataset.merge(pidx[a_id], pidx[b_id])
                direct.add((min(pidx[a_id], pidx[b_id]), max(pidx[a_id], pidx[b_id])))
        for country, grp in pd.Series(term).groupby(places["country"].to_numpy()[term]):
            idx = grp.to_numpy()
            if len(idx) < 2 or not country:
                continue
            pts = unit_vectors(places["lat"].to_numpy()[idx], places["lon"].to_numpy()[idx])
            k = min(REGIONAL_ROAD_NEIGHBOURS + 1, len(idx))
            from scipy.spatial import cKDTree  # build time only: keeps scipy.spatial off the CLI's start-up

            dist, nb = cKDTree(pts).query(pts, k=k)
            for i, row in enumerate(np.atleast_2d(nb)):
                for j in row[1:]:
                    a, b = int(idx[i]), int(idx[j])
                    key = (min(a, b), max(a, b))
                    if key in seen or key in direct:  # a dataset road link already joins them
                        continue
                    seen.add(key)
                    gc = float(haversine_km(places.at[a, "lat"], places.at[a, "lon"], places.at[b, "lat"], places.at[b, "lon"]))
                    if gc > REGIONAL_ROAD_MAX_KM:
                        continue
                    # the road's length on OpenStreetMap where measured (docs/data.md); no road on OSM, or a
                    # pair the dataset's corridors already join that OSM could not confirm: no shortcut
                    osm_km = regional_road_km(ids[a], ids[b])
                    status = regional_road_status(ids[a], ids[b])
                    if status == "no_path" or (osm_km is None and status is not None and joined_by_dataset.connected(a, b)):
                        continue
                    km = osm_km if osm_km is not None else gc * km_factor
                    self.edge(self.lookup[(a, 0)], self.lookup[(b, 0)], kind=LINK, mode=ROAD, km=km,
                              move_hours=km / speed, move_usd=km * rate, co2=km * co2,
                              cf=int(place_country[a]), ct=int(place_country[b]))
                    added.add(key)
        self._road_connectivity(places, place_country, added | direct)

    def _road_connectivity(self, places: pd.DataFrame, place_country: np.ndarray, joined: set) -> None:
        """Fallback roads where the dataset is thin (the Americas, Oceania): trucks can drive across a country
        and into a neighbouring one even where no corridor of the dataset runs.

        Within a country, the edges of a minimum spanning tree over its places (great circle) join what the
        nearest-neighbour roads leave apart; between two countries that share a land border (Natural Earth
        shapes) and have no road crossing in the dataset, each place is joined to its nearest place across the
        border within CROSS_BORDER_ROAD_KM (and the closest pair in any case), paying the road border default. Lengths are great circle x the road circuity (modelling choice, docs/model.md).
        """
        import pandas as pd

        from scipy.cluster.hierarchy import DisjointSet
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import minimum_spanning_tree

        km_factor, speed, rate, co2 = self._single_road()
        lat, lon = places["lat"].to_numpy(float), places["lon"].to_numpy(float)
        country = places["country"].to_numpy()

        def add(a: int, b: int, border: bool) -> None:
            km = float(haversine_km(lat[a], lon[a], lat[b], lon[b])) * km_factor
            dwell = fee = 0.0
            if border and not self._open_border(country[a], country[b]):
                dwell, fee = self.val("border", "road_default", key="hours"), self.val("border", "road_default", key="usd")
            self.edge(self.lookup[(a, 0)], self.lookup[(b, 0)], kind=LINK, mode=ROAD, km=km, move_hours=km / speed,
                      move_usd=km * rate, fee_usd=fee, dwell_hours=dwell, border_hours=dwell, co2=km * co2,
                      border=border, cf=int(place_country[a]), ct=int(place_country[b]))
            joined.add((min(a, b), max(a, b)))

        # components of the road graph built so far (dataset links and nearest-neighbour roads)
        comp = DisjointSet(range(len(places)))
        for a, b in joined:
            comp.merge(a, b)
        for c, grp in pd.Series(np.arange(len(places))).groupby(country):
            idx = grp.to_numpy()
            if len(idx) < 2 or not c:
                continue
            d = haversine_km(lat[idx, None], lon[idx, None], lat[None, idx], lon[None, idx])
            tree = minimum_spanning_tree(csr_matrix(np.triu(d + 1e-6, 1))).tocoo()
            for k in np.argsort(tree.data):  # shortest first: join components, never add a shortcut
                a, b = int(idx[tree.row[k]]), int(idx[tree.col[k]])
                if not comp.connected(a, b):
                    add(a, b, border=False)
                    comp.merge(a, b)
        # land neighbours without a dataset road crossing, where the dataset is thin on both sides (elsewhere the
        # dataset's crossings are the crossings: no invented Wakhan or Kashmir road)
        road = self.ds.links[self.ds.links["mode"].eq("road")]
        pc = dict(zip(places["id"], country))
        crossed = {frozenset((pc.get(a, ""), pc.get(b, ""))) for a, b in zip(road["from"], road["to"])}
        nodes_per_country = places[places["origin"].eq("dataset")].groupby("country").size()
        thin = set(country) - set(nodes_per_country[nodes_per_country >= ROAD_TOWN_MAX_NODES].index)
        for ca, cb in _land_neighbours():
            if frozenset((ca, cb)) in crossed or ca not in thin or cb not in thin:
                continue
            ia, ib = np.flatnonzero(country == ca), np.flatnonzero(country == cb)
            if not len(ia) or not len(ib):
                continue
            d = haversine_km(lat[ia, None], lon[ia, None], lat[None, ib], lon[None, ib])
            # each place's nearest place across the border (a long border has several crossings), and at least
            # the closest pair of the two countries
            pairs = {np.unravel_index(int(np.argmin(d)), d.shape)}
            pairs |= {(i, int(np.argmin(d[i]))) for i in range(len(ia)) if d[i].min() <= CROSS_BORDER_ROAD_KM}
            pairs |= {(int(np.argmin(d[:, j])), j) for j in range(len(ib)) if d[:, j].min() <= CROSS_BORDER_ROAD_KM}
            for i, j in pairs:
                if d[i, j] <= REGIONAL_ROAD_MAX_KM and (min(ia[i], ib[j]), max(ia[i], ib[j])) not in joined:
                    add(int(ia[i]), int(ib[j]), border=True)

    def _open_border(self, a: str, b: str) -> bool:
        """Whether a and b are members of one customs union without internal border controls (EU, EAEU)."""
        union = self.open_union.get(a)
        return union is not None and self.open_union.get(b) == union

    def _places(self) -> pd.DataFrame:
        """Dataset nodes plus the container ports of the register that are not dataset nodes.

        searoute's port list stays a gazetteer of names (places/gazetteer.py): only register ports are gateways.
        """
        import pandas as pd

        nodes = self.ds.nodes.drop_duplicates("id")[["id", "name", "kind", "country", "lat", "lon", "locode", "aliases",
                                                      "project"]].copy()
        nodes["origin"] = "dataset"
        reg = self.ds.ports
        reg = reg[reg["role"].ne("river") & (reg["node"].isna() | reg["node"].eq(""))]
        extra = pd.DataFrame({
            "id": [_register_place_id(r) for r in reg.itertuples(index=False)], "name": reg["name"].to_numpy(),
            "kind": "seaport", "country": reg["country"].to_numpy(), "lat": reg["lat"].to_numpy(float),
            "lon": reg["lon"].to_numpy(float), "locode": reg["locode"].to_numpy(),
            "aliases": reg["aliases"].fillna("").to_numpy(), "project": "", "origin": "register"})
        out = pd.concat([nodes, extra], ignore_index=True).drop_duplicates("id")
        return pd.concat([out, _road_towns(out)], ignore_index=True)


def _road_towns(places: pd.DataFrame) -> pd.DataFrame:
    """Large GeoNames cities of the economies where the dataset has almost no land network (the Americas,
    Oceania, parts of Africa), as road-only places: without them a truck there could only drive between
    ports. Rule (modelling choice, docs/model.md): cities of at least ROAD_TOWN_MIN_POP people in economies
    with fewer than ROAD_TOWN_MAX_NODES dataset nodes, no city within 50 km of an existing place."""
    import pandas as pd

    from beltroad.data.geonames import geonames_cities

    counts = places[places["origin"].eq("dataset")].groupby("country").size()
    cities = pd.DataFrame(geonames_cities())
    cities = cities[(cities["population"] >= ROAD_TOWN_MIN_POP)
                    & (cities["country"].map(counts).fillna(0) < ROAD_TOWN_MAX_NODES)]
    cities = cities.sort_values("population", ascending=False).drop_duplicates(["name", "country"])
    if cities.empty:
        return places.iloc[:0]
    keep_lat, keep_lon = list(places["lat"].astype(float)), list(places["lon"].astype(float))
    rows = []
    for c in cities.itertuples(index=False):
        d = haversine_km(c.lat, c.lon, np.asarray(keep_lat), np.asarray(keep_lon))
        if d.size and d.min() < 50.0:
            continue
        keep_lat.append(c.lat); keep_lon.append(c.lon)
        rows.append({"id": f"town_{c.country.lower()}_{len(rows)}", "name": c.name, "kind": "city",
                     "country": c.country, "lat": c.lat, "lon": c.lon, "locode": "", "aliases": "", "project": "",
                     "origin": "geonames"})
    return pd.DataFrame(rows)


def _land_neighbours() -> list[tuple[str, str]]:
    """ISO3 pairs of countries whose Natural Earth shapes (shipped) touch: they share a land border."""
    import json

    import shapely
    from shapely.geometry import shape

    from beltroad.data import COUNTRIES_GEOJSON

    feats = json.loads(COUNTRIES_GEOJSON.read_text())["features"]
    iso = [f["properties"]["iso3"] for f in feats]
    geoms = [shape(f["geometry"]).buffer(0.05) for f in feats]  # the shapes are simplified: close small gaps
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    return sorted({(iso[i], iso[j]) for i, j in zip(a, b) if i < j and iso[i] and iso[j] and iso[i] != iso[j]})


def _register_place_id(row) -> str:
    """The place of a register port: its dataset node, else `port_<locode>`."""
    node = getattr(row, "node", "")
    return node if isinstance(node, str) and node else "port_" + str(row.locode).lower()


def _dig(tree: dict, path: tuple):
    node = tree
    for p in path:
        node = node[p]
    return node["value"] if isinstance(node, dict) else node


def build_network(ds: Dataset) -> Network:
    return _Builder(ds).build()


def load_network(ds: Dataset | None = None, use_cache: bool = True) -> Network:
    """The multimodal network, from the on-disk cache when the dataset's content hash matches."""
    from beltroad.data.cache import cached_pickle, entry_path
    from beltroad.data.paths import DATA_DIR, hash_dir

    def build() -> Network:
        from beltroad.data.loader import embedded_dataset

        return build_network(ds or embedded_dataset())

    content = ds.content_hash if ds is not None else hash_dir(DATA_DIR)  # hashing bytes is cheap; parsing is not
    path = entry_path("network", content)
    return cached_pickle(path, build, expected=Network, use_cache=use_cache)
