"""Exports of the network and of planned routes: GeoJSON, GeoPackage, Parquet, offline HTML map."""
from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from beltroad.io import geojson
from beltroad.io.atomic import atomic_file
from beltroad.network.build import Network

FORMATS = ("geojson", "gpkg", "parquet")
MODE_COLOURS = {"rail": "#c0392b", "road": "#e67e22", "sea": "#2471a3", "ferry": "#8e44ad", "inland_water": "#17a589"}


def network_frames(net: Network) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Links (with endpoint coordinates) and places as plain DataFrames."""
    pos = net.places.set_index("id")[["lon", "lat", "country"]]
    links = net.links.drop(columns=[c for c in net.links.columns if c.startswith("_")]).copy()
    a, b = pos.reindex(links["from"]), pos.reindex(links["to"])
    links["from_lon"], links["from_lat"] = a["lon"].to_numpy(), a["lat"].to_numpy()
    links["to_lon"], links["to_lat"] = b["lon"].to_numpy(), b["lat"].to_numpy()
    links["from_country"], links["to_country"] = a["country"].to_numpy(), b["country"].to_numpy()
    places = net.places.copy()
    return links, places


PLACE_COLUMNS = ("id", "name", "kind", "country", "locode", "origin")


def node_sources(net: Network) -> dict[str, str]:
    """Citation ids of the dataset's nodes (the network's places keep only their origin)."""
    return _embedded_node_sources(net.content_hash)


@lru_cache(maxsize=4)
def _embedded_node_sources(content_hash: str) -> dict[str, str]:
    from beltroad.data import embedded_dataset

    ds = embedded_dataset()
    if ds.content_hash != content_hash:
        return {}
    out = dict(zip(ds.nodes["id"], ds.nodes["source"]))
    # container ports of the register that are not dataset nodes are places `port_<locode>` (network/build.py)
    reg = ds.ports[ds.ports["node"].fillna("").eq("")]
    out.update(zip("port_" + reg["locode"].str.lower(), reg["source"]))
    return out


def network_geojson(net: Network, include_sea: bool = True) -> dict:
    """Links, places and (optionally) sea lanes as one FeatureCollection, each feature with its `source`."""
    links, places = network_frames(net)
    feats = geojson.link_features(links)
    feats += [dict(f, properties={**f["properties"], "layer": "place"})
              for f in geojson.place_features(places, PLACE_COLUMNS, node_sources(net))]
    if include_sea:
        feats += geojson.sea_lane_features(net, ndigits=4)
    return geojson.collection(feats)


def _geo_frames(net: Network, keep_coordinates: bool = False):
    """Links and places as GeoDataFrames (EPSG:4326) with their sources (and the links' end coordinates)."""
    try:
        import geopandas as gpd
    except ImportError as exc:  # geopandas is an optional extra
        raise ValueError("GeoPackage and GeoParquet exports need geopandas: pip install 'beltroad[geo]'") from exc
    import shapely

    links, places = network_frames(net)
    ends = links[["from_lon", "from_lat", "to_lon", "to_lat"]].to_numpy(float)
    coords = [] if keep_coordinates else ["from_lon", "from_lat", "to_lon", "to_lat"]
    lg = gpd.GeoDataFrame(links.drop(columns=coords),
                          geometry=shapely.linestrings(ends.reshape(-1, 2, 2)), crs="EPSG:4326")
    places = places.assign(source=geojson.place_sources(places, node_sources(net)))
    pg = gpd.GeoDataFrame(places, geometry=shapely.points(places[["lon", "lat"]].to_numpy(float)), crs="EPSG:4326")
    return lg, pg


def export_network(net: Network, fmt: str, path: str | Path) -> Path:
    """Write the network for QGIS / GeoPandas users (atomically: the old file stays until the new one is complete).

    geojson: one FeatureCollection; gpkg: layers `links` and `places`; parquet: GeoParquet links at `path`
    and places at `<stem>_places.parquet` (both readable with `geopandas.read_parquet`).
    """
    path = Path(path)
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"format '{fmt}' is not one of {', '.join(FORMATS)}")
    if fmt == "geojson":
        with atomic_file(path) as tmp:
            tmp.write_text(json.dumps(network_geojson(net), ensure_ascii=False, allow_nan=False), encoding="utf-8")
        return path
    lg, pg = _geo_frames(net, keep_coordinates=fmt == "parquet")  # plain Parquet readers still get the ends
    if fmt == "parquet":
        with atomic_file(path) as tmp, atomic_file(path.with_name(path.stem + "_places.parquet")) as tmp_places:
            lg.to_parquet(tmp, index=False)
            pg.to_parquet(tmp_places, index=False)
        return path
    for g in (lg, pg):
        for col in g.columns:
            if g[col].dtype == object and col != "geometry":
                g[col] = g[col].astype(str)
    from pyogrio.errors import DataSourceError, DataLayerError, FieldError, GeometryError

    try:
        with atomic_file(path) as tmp:
            tmp.unlink()  # GDAL creates the GeoPackage itself
            lg.to_file(tmp, layer="links", driver="GPKG")
            pg.to_file(tmp, layer="places", driver="GPKG")
    except (DataSourceError, DataLayerError, FieldError, GeometryError) as exc:  # e.g. the disk is full
        raise OSError(f"GDAL could not write the GeoPackage ({exc})") from None
    return path


def _country_outlines_svg(xy) -> str:
    """Country shapes (Natural Earth, shipped in the package) as one SVG path: the map's offline basemap."""
    from beltroad.data import COUNTRIES_GEOJSON

    feats = json.loads(COUNTRIES_GEOJSON.read_text(encoding="utf-8"))["features"]
    d = []
    for f in feats:
        geom = f["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        for poly in polys:
            ring = poly[0]
            if len(ring) < 4:
                continue
            pts = ["%.1f,%.1f" % xy(lon, lat) for lon, lat in ring[::2] + [ring[-1]]]
            d.append("M" + "L".join(pts) + "Z")
    return f'<path d="{" ".join(d)}" fill="#fbfaf7" stroke="#c9ced4" stroke-width="0.4"/>'


def route_map_html(result, net: Network | None = None) -> str:
    """A self-contained SVG map of the alternatives: no tiles, no scripts from the internet."""
    width, height = 1200, 600

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (lon + 180.0) / 360.0 * width, (90.0 - lat) / 180.0 * height

    parts = [f'<rect width="{width}" height="{height}" fill="#eef3f7"/>']
    for lon in range(-180, 181, 30):
        x, _ = xy(lon, 0)
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#d5dde5" stroke-width="0.5"/>')
    for lat in range(-90, 91, 30):
        _, y = xy(0, lat)
        parts.append(f'<line x1="0" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" stroke="#d5dde5" stroke-width="0.5"/>')
    parts.append(_country_outlines_svg(xy))
    if net is not None:  # the land network as context
        links, _ = network_frames(net)
        for r in links.itertuples(index=False):
            (x1, y1), (x2, y2) = xy(r.from_lon, r.from_lat), xy(r.to_lon, r.to_lat)
            parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#b8c2cc" stroke-width="0.6"/>')
    rows = []
    for route in result.routes:
        for _, leg in geojson.movement_legs(route):
            pts, prev = [], None
            segs = []
            for lon, lat in leg.coordinates:
                if prev is not None and abs(lon - prev) > 180:  # antimeridian: break the line
                    segs.append(pts)
                    pts = []
                pts.append("%.1f,%.1f" % xy(lon, lat))
                prev = lon
            segs.append(pts)
            colour = MODE_COLOURS.get(leg.mode, "#555")
            title = html.escape(f"Route {route.rank}: {leg.mode} {leg.from_place} → {leg.to_place}, "
                                f"{leg.distance_km:,.0f} km, {leg.transit_hours:,.1f} h, {leg.cost_usd:,.0f} USD")
            for s in segs:
                if len(s) > 1:
                    parts.append(f'<polyline class="leg r{route.rank}" points="{" ".join(s)}" fill="none" '
                                 f'stroke="{colour}" stroke-width="{3.2 if route.rank == 1 else 2}" '
                                 f'stroke-opacity="{0.95 if route.rank == 1 else 0.55}" '
                                 f'onclick="alert(this.querySelector(\'title\').textContent)"><title>{title}</title></polyline>')
        rows.append(f"<tr><td>{route.rank}</td><td>{html.escape(route.summary)}</td><td>{route.distance_km:,.0f}</td>"
                    f"<td>{route.transit_days:.1f}</td><td>{route.cost_usd:,.0f}</td><td>{route.co2_kg:,.0f}</td></tr>")
    for p in (result.origin, result.destination):
        x, y = xy(p.lon, p.lat)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#111"><title>{html.escape(p.label)}</title></circle>')
    legend = " ".join(f'<span style="color:{c}">&#9644; {m}</span>' for m, c in MODE_COLOURS.items())
    title = html.escape(f"{result.origin.label} → {result.destination.label} ({result.scenario}, optimise {result.objective})")
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>beltroad: {title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:1rem;color:#222}}svg{{width:100%;height:auto;border:1px solid #ccc}}
table{{border-collapse:collapse;margin-top:1rem}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}
td:nth-child(2),th:nth-child(2){{text-align:left}} polyline{{cursor:pointer}}</style></head><body>
<h2>{title}</h2><div>{legend} &nbsp; (click a leg for its numbers)</div>
<svg viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">{''.join(parts)}</svg>
<table><tr><th>#</th><th>route</th><th>km</th><th>days</th><th>USD</th><th>kg CO2e</th></tr>{''.join(rows)}</table>
<p>Generated offline by beltroad. Land links are drawn as straight lines between nodes; sea legs follow the maritime network.</p>
</body></html>"""
