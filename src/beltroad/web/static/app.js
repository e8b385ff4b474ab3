/* beltroad single-page app: plan trips, explore network layers, compare scenarios. No network access
   beyond this server: MapLibre is served from /static/vendor, label glyphs from /glyphs (made from a
   packaged font), no tiles. Each tab owns its map layers and legend; one popup at a time; the URL holds
   the query so a reload or a shared link shows the same. */
"use strict";

// route modes and rail gauges use separate palettes, so a red rail route never looks like a gauge line
const MODE_COLOURS = { rail: "#c0392b", road: "#e67e22", sea: "#2471a3", ferry: "#8e44ad", inland_water: "#17a589", handling: "#7f8c8d" };
const GAUGE_COLOURS = { 1435: "#3d3d3d", 1520: "#a6761d", 1000: "#66a61e", 1067: "#e7298a", 1676: "#7570b3", 1668: "#999933" };
const MARKER_COLOURS = { border: "#ffffff", gauge_change: "#f1c40f", passage: "#e74c3c" };
const END_COLOURS = { start: "#1e8449", end: "#111111" };
const PARTS = [ // the route's time split (time_breakdown_hours / hours_by_part)
  { id: "moving", label: "moving", colour: "#2e86c1" },
  { id: "handling", label: "handling", colour: "#85929e" },
  { id: "border", label: "border", colour: "#cb4335" },
  { id: "customs", label: "customs", colour: "#d68910" },
  { id: "waiting", label: "waiting", colour: "#bbb3a1" },
];
const NET_LAYERS = [
  { id: "rail", label: "Rail (by gauge)", on: true },
  { id: "road", label: "Road corridors", on: false },
  { id: "ferry", label: "Ferries", on: false },
  { id: "sea", label: "Sea lanes", on: false },
  { id: "ports", label: "Ports", on: false },
  { id: "crossings", label: "Border crossings & gauge changes", on: false },
  { id: "projects", label: "BRI projects (by status)", on: false },
];
const PROJECT_COLOURS = { open: "#17202a", under_construction: "#f39c12", planned: "#a6acaf" };
const TODAY_YEAR = 2026;
const FIELD_NAMES = { // CLI option words in server messages -> the labels on this page
  "--avoid-country": "Countries to avoid", "--avoid-passage": "Chokepoints to avoid", "--via": "Via", "--mode": "Main haul",
  "--alternatives": "Routes", "--teu": "TEU", "--tonnes": "Tonnes", "--max-transfers": "Max transfers", "--optimize": "Optimise for",
  "--value-of-time": "Value of time", "--carbon-price": "Carbon price", "--scenario": "Scenario", "--max-drayage-km": "Max trucking km",
};

const $ = (s) => document.querySelector(s);
const fixText = (s) => { // repair UTF-8 that was decoded as Latin-1 somewhere upstream ("CuraÃ§ao" -> "Curaçao")
  s = String(s ?? "");
  if (!/[\u00c2-\u00c3][\u0080-\u00bf]/.test(s)) return s;
  try { return decodeURIComponent(escape(s)); } catch (e) { return s; }
};
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const fmt = (n, d = 0) => (n == null || isNaN(n) ? "–" : Number(n).toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }));
const plural = (n, one, many) => `${n} ${n === 1 ? one : many || one + "s"}`;
const userWords = (text) => String(text || "").replace(/--[a-z][a-z-]*/g, (m) => FIELD_NAMES[m] ? `“${FIELD_NAMES[m]}”` : m);
const state = { plan: null, selected: 1, year: null, layersLoaded: {}, compare: null, pending: 0, cmpMetric: "change_pct",
                lastQuery: null, tab: "plan", planSeq: 0, sort: { key: null, dir: 1 } };
window.beltroad = { state };

// ------------------------------------------------------------------------------------ fetch + spinner
async function api(path, label) {
  state.pending++;
  $("#spinner").hidden = false;
  $("#spinner-text").textContent = label || "Working…";
  try {
    const r = await fetch(path, { headers: { Accept: "application/json" } });
    let body = null;
    try { body = await r.json(); } catch (e) { body = { detail: `Unexpected reply (${r.status})` }; }
    if (!r.ok) { const err = new Error(body.detail || `Error ${r.status}`); err.body = body; err.status = r.status; throw err; }
    return body;
  } finally {
    state.pending--;
    if (state.pending <= 0) { state.pending = 0; $("#spinner").hidden = true; }
  }
}

function download(name, text, type) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
const csvCell = (v) => { const t = String(v ?? ""); return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t; };
const csv = (rows) => rows.map((r) => r.map(csvCell).join(",")).join("\n") + "\n";

// the country shapes: basemap fill and the names of the "countries to avoid" list (one request)
const countriesReady = api("/api/network?layer=countries", "Loading the basemap…");
countriesReady.catch(() => {});

// ------------------------------------------------------------------------------------ map
function graticule() {
  const f = [];
  for (let lon = -180; lon <= 180; lon += 30) f.push({ type: "Feature", properties: {}, geometry: { type: "LineString", coordinates: Array.from({ length: 37 }, (_, i) => [lon, -90 + i * 5]) } });
  for (let lat = -60; lat <= 80; lat += 20) f.push({ type: "Feature", properties: {}, geometry: { type: "LineString", coordinates: Array.from({ length: 73 }, (_, i) => [-180 + i * 5, lat]) } });
  return { type: "FeatureCollection", features: f };
}
const EMPTY = { type: "FeatureCollection", features: [] };
const FONT = ["DejaVu Sans"];
const NO_DATA = "#c9c9c9", NO_CHANGE = "#f7f7f7";

const map = new maplibregl.Map({
  container: "map",
  style: {
    version: 8,
    glyphs: `${location.origin}/glyphs/{fontstack}/{range}.pbf`,
    sources: {
      graticule: { type: "geojson", data: graticule() },
      countries: { type: "geojson", data: EMPTY, promoteId: "iso_a3" },
    },
    layers: [
      { id: "background", type: "background", paint: { "background-color": "#dfe9f2" } },
      { id: "graticule", type: "line", source: "graticule", paint: { "line-color": "#c4d3e0", "line-width": 0.6 } },
      { id: "countries-fill", type: "fill", source: "countries", paint: { "fill-color": "#f7f5ef", "fill-opacity": 1 } },
      { id: "countries-line", type: "line", source: "countries", paint: { "line-color": "#b5b9bd", "line-width": 0.6 } },
    ],
  },
  center: [60, 35], zoom: 1.9, minZoom: 0.5, maxZoom: 12, attributionControl: false,
});
window.beltroad.map = map;
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
map.addControl(new maplibregl.ScaleControl(), "bottom-right");
map.addControl(new maplibregl.AttributionControl({ compact: true, customAttribution: "beltroad dataset · Natural Earth · searoute" }));

function unwrap(coords) { // continue lines across the antimeridian instead of drawing them round the world
  const out = [];
  let shift = 0, prev = null;
  for (const [x, y] of coords) {
    if (prev !== null) { const d = x + shift - prev; if (d > 180) shift -= 360; else if (d < -180) shift += 360; }
    out.push([x + shift, y]); prev = x + shift;
  }
  return out;
}

const TAB_LAYERS = { // which of our layers each tab shows (network layers also follow their checkboxes)
  plan: ["route-casing", "route-alt", "route-line", "markers", "marker-labels", "ends", "end-labels"],
  network: NET_LAYERS.map((l) => `net-${l.id}`).concat(["net-ports-labels"]),
  compare: [],
  flows: ["flows-line", "flows-sel"],
};
const ALL_TAB_LAYERS = [...new Set(Object.values(TAB_LAYERS).flat())];

map.on("load", async () => {
  for (const id of ["net-rail", "net-road", "net-ferry", "net-sea", "net-ports", "net-crossings", "net-projects", "route", "markers", "ends"])
    map.addSource(id, { type: "geojson", data: EMPTY });
  const hidden = { visibility: "none" };
  map.addSource("country-points", { type: "geojson", data: EMPTY });
  map.addLayer({ id: "country-labels", type: "symbol", source: "country-points", minzoom: 2.2, layout: {
      "text-field": ["get", "name"], "text-font": FONT, "text-size": 11, "text-max-width": 7, "symbol-sort-key": ["-", 0, ["get", "area"]] },
    paint: { "text-color": "#6b7680", "text-halo-color": "rgba(255,255,255,.8)", "text-halo-width": 1.2 } });
  map.addLayer({ id: "net-sea", type: "line", source: "net-sea", layout: hidden, paint: { "line-color": "#6f9cc4", "line-width": 0.5, "line-opacity": 0.3 } });
  map.addLayer({ id: "net-road", type: "line", source: "net-road", layout: hidden, paint: { "line-color": "#b9770e", "line-width": 1.1, "line-opacity": 0.6 } });
  map.addLayer({ id: "net-ferry", type: "line", source: "net-ferry", layout: hidden, paint: { "line-color": "#6c3483", "line-width": 1.1, "line-dasharray": [2, 2] } });
  map.addLayer({ id: "net-rail", type: "line", source: "net-rail", layout: hidden, paint: {
      "line-color": ["match", ["to-string", ["get", "gauge_mm"]], ...Object.entries(GAUGE_COLOURS).flatMap(([g, c]) => [String(g), c]), "#777"],
      "line-width": 1.2, "line-opacity": ["case", ["==", ["get", "status"], "open"], 0.6, 0.35] } });
  map.addLayer({ id: "net-projects", type: "line", source: "net-projects", layout: hidden, paint: {
      "line-color": ["match", ["get", "status"], ...Object.entries(PROJECT_COLOURS).flat(), "#555"], "line-width": 3.5, "line-opacity": 0.8 } });
  map.addLayer({ id: "net-ports", type: "circle", source: "net-ports", layout: hidden, paint: {
      "circle-radius": ["case", ["get", "dataset"], 3.5, 2], "circle-color": "#2471a3", "circle-stroke-color": "#fff", "circle-stroke-width": 0.6 } });
  map.addLayer({ id: "net-ports-labels", type: "symbol", source: "net-ports", minzoom: 4, filter: ["==", ["get", "dataset"], true], layout: {
      visibility: "none", "text-field": ["get", "name"], "text-font": FONT, "text-size": 11, "text-offset": [0, 0.9], "text-anchor": "top" },
    paint: { "text-color": "#1b4f72", "text-halo-color": "#fff", "text-halo-width": 1.2 } });
  map.addLayer({ id: "net-crossings", type: "circle", source: "net-crossings", layout: hidden, paint: {
      "circle-radius": 3.5, "circle-color": ["match", ["get", "kind"], "gauge_change", MARKER_COLOURS.gauge_change, "#1d2731"],
      "circle-stroke-color": "#fff", "circle-stroke-width": 0.8 } });
  map.addSource("flows", { type: "geojson", data: EMPTY });
  map.addLayer({ id: "flows-line", type: "line", source: "flows", layout: { visibility: "none", "line-cap": "round", "line-join": "round" },
    paint: { "line-color": ["get", "colour"], "line-width": ["get", "width_px"], "line-opacity": ["case", ["get", "capped"], 0.95, 0.6] } });
  map.addLayer({ id: "flows-sel", type: "line", source: "flows", filter: ["==", ["get", "capacity_element"], "\u0000"],
    layout: { visibility: "none", "line-cap": "round" }, paint: { "line-color": "#111", "line-width": ["+", ["get", "width_px"], 5], "line-opacity": 0.35 } });
  map.addLayer({ id: "route-casing", type: "line", source: "route", layout: { "line-cap": "round", "line-join": "round" },
    filter: ["==", ["get", "selected"], true], paint: { "line-color": "#fff", "line-width": 7 } });
  map.addLayer({ id: "route-alt", type: "line", source: "route", layout: { "line-cap": "round", "line-join": "round" },
    filter: ["!=", ["get", "selected"], true], paint: { "line-color": ["get", "colour"], "line-width": 2.2, "line-opacity": 0.45, "line-dasharray": [2, 1.5] } });
  map.addLayer({ id: "route-line", type: "line", source: "route", layout: { "line-cap": "round", "line-join": "round" },
    filter: ["==", ["get", "selected"], true], paint: { "line-color": ["get", "colour"], "line-width": 4 } });
  map.addLayer({ id: "markers", type: "circle", source: "markers",
    layout: { "circle-sort-key": ["match", ["get", "kind"], "gauge_change", 3, "passage", 2, 1] }, paint: {
      "circle-radius": ["match", ["get", "kind"], "gauge_change", 6, 5], "circle-color": ["match", ["get", "kind"], "gauge_change", MARKER_COLOURS.gauge_change, "passage", MARKER_COLOURS.passage, MARKER_COLOURS.border],
      "circle-stroke-color": "#1d2731", "circle-stroke-width": 1.5 } });
  map.addLayer({ id: "marker-labels", type: "symbol", source: "markers", minzoom: 3.5, layout: {
      "text-field": ["get", "name"], "text-font": FONT, "text-size": 11, "text-offset": [0, 1], "text-anchor": "top", "text-optional": true },
    paint: { "text-color": "#333", "text-halo-color": "#fff", "text-halo-width": 1.2 } });
  map.addLayer({ id: "ends", type: "circle", source: "ends", paint: { "circle-radius": 8,
      "circle-color": ["match", ["get", "role"], "start", END_COLOURS.start, END_COLOURS.end], "circle-stroke-color": "#fff", "circle-stroke-width": 2.5 } });
  map.addLayer({ id: "end-labels", type: "symbol", source: "ends", layout: {
      "text-field": ["get", "label"], "text-font": FONT, "text-size": 13, "text-offset": [0, 1.1], "text-anchor": "top", "text-allow-overlap": true },
    paint: { "text-color": ["match", ["get", "role"], "start", END_COLOURS.start, END_COLOURS.end], "text-halo-color": "#fff", "text-halo-width": 2 } });

  map.on("click", onMapClick);
  map.on("mousemove", onMapHover);
  map.getCanvas().addEventListener("mouseleave", () => ($("#tip").hidden = true));
  if (state.flows) paintFlows();
  for (const id of ["flows-line", "route-line", "route-alt", "markers", "ends", "net-rail", "net-road", "net-ports", "net-crossings", "net-projects", "countries-fill"]) {
    map.on("mouseenter", id, () => { if (id !== "countries-fill" || state.tab === "compare") map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
  }
  countriesReady.then((g) => { map.getSource("countries").setData(g); map.getSource("country-points").setData(labelPoints(g)); $("#map").dataset.countries = "1"; }).catch(() => {});
  applyTabLayers();
  if (state.plan) selectRoute(state.selected, true);
  $("#map").dataset.ready = "1";
});

function labelPoints(g) { // one label per country, at the centroid of its largest polygon (not one per island)
  const best = {};
  for (const f of g.features || []) {
    const geom = f.geometry || {}, iso = (f.properties || {}).iso_a3 || (f.properties || {}).name;
    const polys = geom.type === "Polygon" ? [geom.coordinates] : geom.type === "MultiPolygon" ? geom.coordinates : [];
    for (const poly of polys) {
      const ring = poly[0] || [];
      let a = 0, cx = 0, cy = 0;
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const c = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
        a += c; cx += (ring[j][0] + ring[i][0]) * c; cy += (ring[j][1] + ring[i][1]) * c;
      }
      if (!a) continue;
      if (!best[iso] || Math.abs(a) > best[iso].a)
        best[iso] = { a: Math.abs(a), p: [cx / (3 * a), cy / (3 * a)], name: fixText((f.properties || {}).name || iso) };
    }
  }
  return { type: "FeatureCollection", features: Object.values(best).map((b) => ({ type: "Feature", properties: { name: b.name, area: b.a }, geometry: { type: "Point", coordinates: b.p } })) };
}

// one popup at a time: the topmost feature under the click says what it is
let thePopup = null;
function closePopup() { if (thePopup) { thePopup.remove(); thePopup = null; } }
function popup(lngLat, htmlText) {
  closePopup();
  thePopup = new maplibregl.Popup({ closeButton: true, maxWidth: "300px" }).setLngLat(lngLat).setHTML(htmlText).addTo(map);
  thePopup.on("close", () => { thePopup = null; });
}
const POPUP_ORDER = ["ends", "markers", "route-line", "route-alt", "flows-line", "net-crossings", "net-ports", "net-projects", "net-rail", "net-road", "countries-fill"];
const HOVER = ["ends", "markers", "route-line", "route-alt", "flows-line", "net-crossings", "net-ports", "net-projects"];
const num0 = (v) => v != null && v !== "null" && v !== "";
function onMapHover(e) { // a one-line tooltip; the click popup has the details
  const tip = $("#tip");
  const layers = HOVER.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, "visibility") !== "none");
  const hit = layers.length ? map.queryRenderedFeatures(e.point, { layers }) : [];
  if (!hit.length) { tip.hidden = true; return; }
  hit.sort((a, b) => HOVER.indexOf(a.layer.id) - HOVER.indexOf(b.layer.id));
  const p = hit[0].properties, id = hit[0].layer.id;
  tip.textContent = id === "ends" ? `${p.role === "start" ? "Start" : "End"}: ${p.name}`
    : id === "markers" ? `${{ border: "Border", gauge_change: "Gauge change", passage: "Chokepoint" }[p.kind] || p.kind}: ${p.name}`
    : id.startsWith("route") ? `Route ${p.rank}: ${p.mode.replace("_", " ")} ${p.from} → ${p.to}`
    : id === "flows-line" ? `${p.id}: ${fmt(p.teu_per_year)} TEU/yr` + (num0(p.volume_capacity_ratio) ? ` · v/c ${fmt(p.volume_capacity_ratio, 2)}` : "")
    : id === "net-crossings" ? `${p.kind === "gauge_change" ? "Gauge change" : "Border"} ${p.from_country} → ${p.to_country}` : String(p.name || "");
  tip.style.left = `${e.point.x + 12}px`; tip.style.top = `${e.point.y + 12}px`;
  tip.hidden = !tip.textContent;
}
function onMapClick(e) {
  const layers = POPUP_ORDER.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, "visibility") !== "none");
  const hit = map.queryRenderedFeatures(e.point, { layers });
  if (!hit.length) { closePopup(); return; }
  hit.sort((a, b) => POPUP_ORDER.indexOf(a.layer.id) - POPUP_ORDER.indexOf(b.layer.id));
  const f = hit[0], p = f.properties, id = f.layer.id;
  const num = (v) => v != null && v !== "null" && v !== "";
  if (id === "ends") popup(e.lngLat, `<b>${p.role === "start" ? "Start" : "Destination"}</b>: ${esc(p.name)}`);
  else if (id === "markers") {
    const what = { border: "Border crossing", gauge_change: "Gauge change", passage: "Chokepoint" }[p.kind] || p.kind;
    popup(e.lngLat, `<b>${what}</b>: ${esc(p.name)}` + (p.detail ? `<br>${esc(p.detail)}` : "") + (num(p.hours) ? `<br>${fmt(p.hours, 1)} h` : "") +
      (num(p.cost_usd) ? ` · ${fmt(p.cost_usd)} USD` : ""));
  } else if (id === "route-line" || id === "route-alt") {
    popup(e.lngLat, `<b>Route ${p.rank}</b> · ${esc(p.mode)}<br>${esc(p.from)} → ${esc(p.to)}<br>${fmt(p.distance_km)} km · ${fmt(p.transit_hours, 1)} h · ${fmt(p.cost_usd)} USD`);
    if (Number(p.rank) !== state.selected) selectRoute(Number(p.rank), true);
  } else if (id === "flows-line") {
    popup(e.lngLat, `<b>${esc(p.id)}</b> · ${esc(p.mode)}${p.corridor && p.corridor !== "null" ? "<br>" + esc(p.corridor) : ""}<br>${fmt(p.teu_per_year)} TEU/yr (busier direction ${fmt(p.teu_per_year_max_direction)})` +
      (num(p.volume_capacity_ratio) ? `<br>volume/capacity ${fmt(p.volume_capacity_ratio, 2)} (${esc(p.capacity_element)})` : "<br>no capacity set") +
      (Number(p.congestion_delay_hours) > 0.05 ? `<br>congestion delay ${fmt(p.congestion_delay_hours, 1)} h` : ""));
  } else if (id === "net-rail") popup(e.lngLat, `<b>Rail</b> ${esc(p.from)} – ${esc(p.to)}<br>gauge ${esc(p.gauge_mm)} mm · ${esc(p.status)}${p.opened ? " · opened " + esc(p.opened) : ""}${p.corridor ? "<br>" + esc(p.corridor) : ""}`);
  else if (id === "net-road") popup(e.lngLat, `<b>Road</b> ${esc(p.from)} – ${esc(p.to)}<br>${esc(p.class)} · ${esc(p.status)}`);
  else if (id === "net-ports") popup(e.lngLat, `<b>${esc(p.name)}</b> (${esc(p.country)}) ${esc(p.locode)}`);
  else if (id === "net-crossings") popup(e.lngLat, `<b>${p.kind === "gauge_change" ? "Gauge change" : "Border"}</b> ${esc(p.from_country)} → ${esc(p.to_country)}<br>dwell ${fmt(p.dwell_hours, 1)} h` + (p.kind === "gauge_change" ? `<br>${esc(p.gauge_from_mm)} → ${esc(p.gauge_to_mm)} mm` : ""));
  else if (id === "net-projects") popup(e.lngLat, `<b>${esc(p.name)}</b><br>${esc(p.status)}${p.opened ? " · " + esc(p.opened) : ""}${p.cost_usd_bn ? " · " + esc(p.cost_usd_bn) + " bn USD" : ""}`);
  else if (id === "countries-fill") {
    if (state.tab !== "compare" || !state.compare) { closePopup(); return; }
    const iso = p.iso_a3, row = state.compare.byIso[iso];
    if (row && row[state.cmpMetric] != null) popup(e.lngLat, `<b>${esc(econName(row))}</b><br>${fmt(row.change_days, 2)} days · ${fmt(row.change_pct, 1)} % time` +
      (row.trade_cost_change_pct != null ? `<br>trade cost ${fmt(row.trade_cost_change_pct, 2)} %` : ""));
    else popup(e.lngLat, `<b>${esc(fixText(p.name))}</b><br>no data in this comparison`);
  }
}

// ------------------------------------------------------------------------------------ place fields (ARIA combobox)
function combobox(input, list, onPick) {
  let timer = null, items = [], active = -1, seq = 0, shownAt = 0;
  const setOpen = (open) => { list.hidden = !open; input.setAttribute("aria-expanded", String(open)); };
  const close = () => { list.innerHTML = ""; items = []; active = -1; setOpen(false); input.removeAttribute("aria-activedescendant"); };
  const label = (p) => `${p.name} (${p.country})`;
  const queryOf = (p) => p.node_id || (p.kind === "port" && p.locode ? p.locode : `${p.name}, ${p.country}`);
  const pick = (p) => {
    input.value = label(p);
    input.dataset.query = queryOf(p);
    close();
    clearFieldError(input);
    if (onPick) onPick(p);
  };
  const exact = () => { // the suggestion whose name is exactly what was typed (if it is the best one)
    const t = input.value.trim().toLowerCase();
    return items.length && items[0].match !== "fuzzy" && items[0].name.toLowerCase() === t ? items[0] : null;
  };
  const render = () => {
    const fuzzy = items.length && items[0].match === "fuzzy";
    list.innerHTML = (fuzzy ? `<li class="dym" role="presentation">Did you mean…</li>` : "") + items.map((p, i) =>
      `<li role="option" id="${list.id}-${i}" aria-selected="${i === active}" class="${i === active ? "active" : ""}" data-i="${i}">` +
      `<span>${esc(p.name)} <small>${esc(p.country)}</small></span><span class="kind">${esc(p.kind === "node" ? "terminal" : p.kind)}` +
      `${p.population ? " · " + fmt(p.population / 1e6, 1) + " M" : ""}</span></li>`).join("");
    setOpen(items.length > 0);
    if (active >= 0) input.setAttribute("aria-activedescendant", `${list.id}-${active}`); else input.removeAttribute("aria-activedescendant");
    shownAt = performance.now();
  };
  input.addEventListener("input", () => {
    delete input.dataset.query;
    clearFieldError(input);
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) { close(); return; }
    timer = setTimeout(async () => {
      const my = ++seq;
      try {
        const r = await fetch(`/api/places?q=${encodeURIComponent(q)}&limit=8`).then((r) => r.json());
        if (my !== seq || document.activeElement !== input) return;  // typed on, or left the field
        items = r.places || []; active = -1;
        const ex = exact();
        if (ex) { input.dataset.query = queryOf(ex); }  // the typed name is the best match: it is the choice
        render();
      } catch (e) { close(); }
    }, 120);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { close(); return; }
    if (!items.length) return;
    if (e.key === "ArrowDown") { active = (active + 1) % items.length; render(); e.preventDefault(); }
    else if (e.key === "ArrowUp") { active = (active - 1 + items.length) % items.length; render(); e.preventDefault(); }
    else if (e.key === "Enter" && active >= 0 && !list.hidden) { pick(items[active]); e.preventDefault(); }
    else if (e.key === "Tab") close();
  });
  // a pick needs a press and a release on the same option, and the list must have been on screen for a
  // moment: a click aimed at the control under a list that has just appeared does not select anything
  let down = null;
  list.addEventListener("mousedown", (e) => { e.preventDefault(); const li = e.target.closest("li[role=option]"); down = li && performance.now() - shownAt > 350 ? li : null; });
  list.addEventListener("click", (e) => {
    const li = e.target.closest("li[role=option]");
    if (li && li === down) pick(items[Number(li.dataset.i)]);
    else { close(); }
    down = null;
  });
  input.addEventListener("blur", () => { clearTimeout(timer); seq++; close(); });
  return { close };
}

function fieldOf(name) { return $(`#${name}`); }
function setFieldError(name, text, suggestions) {
  const input = fieldOf(name), box = $(`#${name}-error`);
  if (!input || !box) return false;
  input.setAttribute("aria-invalid", "true");
  box.hidden = false;
  box.innerHTML = esc(text) + (suggestions && suggestions.length ? `<div class="sugg-list"><span>Did you mean:</span> ` +
    suggestions.map((s) => `<button type="button" class="sugg">${esc(s)}</button>`).join("") + "</div>" : "");
  box.querySelectorAll("button.sugg").forEach((b) => b.addEventListener("click", () => {
    input.value = b.textContent; delete input.dataset.query;
    clearFieldError(input);
    runPlan();  // a suggestion picked from the error runs the search again
  }));
  return true;
}
function clearFieldError(input) {
  input.removeAttribute("aria-invalid");
  const box = $(`#${input.id}-error`);
  if (box) { box.hidden = true; box.innerHTML = ""; }
}
function clearAllFieldErrors() { document.querySelectorAll("#plan-form [aria-invalid]").forEach(clearFieldError);
  document.querySelectorAll("#plan-form .field-error").forEach((b) => { b.hidden = true; b.innerHTML = ""; }); }

combobox($("#origin"), $("#origin-list"));
combobox($("#destination"), $("#destination-list"));
combobox($("#via"), $("#via-list"), () => updateOptionsCount());

function showMessage(el, text, extra) {
  el.hidden = !text;
  el.className = "message" + (extra && extra.info ? " info" : "");
  el.innerHTML = text ? esc(text) : "";
}

// ---- options: via, generalised-cost parameters, countries to avoid
const parseCodes = (text) => [...new Set(String(text || "").split(/[,\s;]+/).filter(Boolean).map((c) => c.toUpperCase()))];
const placeValue = (input) => input.dataset.query || input.value.trim();
const isGeneralized = () => $("#optimize").value === "generalized";

function syncGeneralized() {
  const on = isGeneralized();
  $("#gen-fields").disabled = !on;
  $("#gen-note").hidden = on;
  updateOptionsCount();
}
$("#optimize").addEventListener("change", syncGeneralized);
setTimeout(syncGeneralized, 0); // after the browser restores form values

function updateOptionsCount() { // how many options are set, shown on the closed <details>
  let n = 0;
  if ($("#via").value.trim()) n++;
  if ($("#drayage").value !== "") n++;
  if (isGeneralized() && $("#vot").value !== "") n++;
  if (isGeneralized() && $("#carbon").value !== "") n++;
  n += parseCodes($("#avoid-countries").value).length;
  n += document.querySelectorAll("#passages input:checked").length;
  $("#options-count").hidden = n === 0;
  $("#options-count").textContent = `${n} set`;
}
for (const id of ["#via", "#vot", "#carbon", "#avoid-countries", "#drayage"]) $(id).addEventListener("input", updateOptionsCount);
$("#via").addEventListener("change", updateOptionsCount);
$("#passages").addEventListener("change", updateOptionsCount);

function countryEntries(geojson) { // one entry per ISO3 code: the name of its largest shape (AUS: Australia, not Ashmore)
  const best = {};
  for (const f of geojson.features || []) {
    const p = f.properties || {}, iso = String(p.iso_a3 || p.iso3 || "").toUpperCase();
    if (!/^[A-Z]{3}$/.test(iso)) continue;
    const size = JSON.stringify(f.geometry || {}).length;
    if (!best[iso] || size > best[iso].size) best[iso] = { iso, name: fixText(p.name || iso), size };
  }
  return Object.values(best).sort((a, b) => a.name.localeCompare(b.name));
}

function renderCountryList(entries) {
  const chosen = new Set(parseCodes($("#avoid-countries").value));
  $("#country-list").innerHTML = entries.map((c) => `<label data-search="${esc((c.iso + " " + c.name).toLowerCase())}">` +
    `<input type="checkbox" value="${c.iso}"${chosen.has(c.iso) ? " checked" : ""}><code>${c.iso}</code> <span>${esc(c.name)}</span></label>`).join("") ||
    `<p class="hint">No country list (type ISO codes above).</p>`;
  filterCountryList();
}
const countryNames = {};
countriesReady.then((g) => { const entries = countryEntries(g); entries.forEach((c) => (countryNames[c.iso] = c.name)); renderCountryList(entries); })
  .catch(() => { $("#country-list").innerHTML = `<p class="hint">Country list unavailable: type ISO codes above.</p>`; });

function filterCountryList() {
  const q = $("#country-filter").value.trim().toLowerCase();
  document.querySelectorAll("#country-list label").forEach((l) => { l.hidden = !!q && !l.dataset.search.includes(q); });
}
$("#country-filter").addEventListener("input", filterCountryList);
$("#country-filter").addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); }); // not a submit
$("#country-list").addEventListener("change", (e) => { // a tick adds / removes the code in the text field
  const cb = e.target;
  if (!cb.matches("input[type=checkbox]")) return;
  const codes = parseCodes($("#avoid-countries").value).filter((c) => c !== cb.value);
  if (cb.checked) codes.push(cb.value);
  $("#avoid-countries").value = codes.join(", ");
  updateOptionsCount();
});
$("#avoid-countries").addEventListener("input", () => { // typed codes tick the boxes (ISO2 codes still work, unticked)
  const chosen = new Set(parseCodes($("#avoid-countries").value));
  document.querySelectorAll("#country-list input").forEach((cb) => { cb.checked = chosen.has(cb.value); });
});

function planQuery() {
  const q = new URLSearchParams();
  q.set("origin", placeValue($("#origin")));
  q.set("destination", placeValue($("#destination")));
  q.set("optimize", $("#optimize").value);
  q.set("mode", $("#mode").value);
  q.set("alternatives", $("#alternatives").value || "3");
  q.set("teu", $("#teu").value || "1");
  if ($("#scenario").value && $("#scenario").value !== "baseline") q.set("scenario", $("#scenario").value);
  if (state.year && state.year !== TODAY_YEAR) q.set("year", String(state.year));
  if ($("#via").value.trim()) q.append("via", placeValue($("#via")));
  if ($("#drayage").value !== "") q.set("max_drayage_km", $("#drayage").value);
  if (isGeneralized()) {
    if ($("#vot").value !== "") q.set("value_of_time", $("#vot").value);
    if ($("#carbon").value !== "") q.set("carbon_price", $("#carbon").value);
  }
  for (const c of parseCodes($("#avoid-countries").value)) q.append("avoid_country", c);
  document.querySelectorAll("#passages input:checked").forEach((c) => q.append("avoid_passage", c.value));
  return q;
}

function clearPlan() { // a new query starts from a clean page: no old routes, header, map lines or errors
  state.plan = null;
  $("#routes").innerHTML = ""; $("#legs").innerHTML = ""; $("#plan-head").textContent = ""; $("#plan-tools").hidden = true;
  $("#map").dataset.routeFeatures = "0";
  for (const id of ["route", "markers", "ends"]) if (map.getSource(id)) map.getSource(id).setData(EMPTY);
  $("#map-legend").innerHTML = "";
  closePopup();
}

function checkNumbers() { // the bounds of TEU and Routes, said on the field (not the browser's bubble)
  let ok = true;
  const teu = Number($("#teu").value), alt = Number($("#alternatives").value);
  if ($("#teu").value === "" || !(teu > 0 && teu <= 100000)) { setFieldError("teu", "TEU: enter a number above 0 and at most 100,000."); ok = false; }
  if ($("#alternatives").value === "" || !Number.isInteger(alt) || alt < 1 || alt > 10) { setFieldError("alternatives", "Routes: enter a whole number from 1 to 10."); ok = false; }
  const dr = Number($("#drayage").value);
  if ($("#drayage").value !== "" && !(dr > 0 && dr <= 5000)) { $("#options").open = true; setFieldError("drayage", "Trucking distance: enter a number above 0 and at most 5,000 km (or leave it empty)."); ok = false; }
  for (const [id, what] of [["vot", "Value of time"], ["carbon", "Carbon price"]]) {
    if (isGeneralized() && !$(`#${id}`).checkValidity()) { $("#options").open = true; setFieldError(id, `${what}: enter a number ≥ 0 (or leave it empty for the model default).`) || showMessage($("#message"), `${what}: enter a number ≥ 0 (or leave it empty for the model default).`); ok = false; }
  }
  return ok;
}
for (const id of ["#teu", "#alternatives", "#drayage"]) $(id).addEventListener("input", (e) => clearFieldError(e.target));

async function runPlan() {
  const msg = $("#message");
  const my = ++state.planSeq;
  showMessage(msg, "");
  clearAllFieldErrors();
  clearPlan();
  let missing = false;
  for (const [f, what] of [["origin", "Enter where the trip starts."], ["destination", "Enter where the trip ends."]])
    if (!fieldOf(f).value.trim()) { setFieldError(f, what); missing = true; }
  if (!checkNumbers() || missing) return;
  $("#go").disabled = true;
  const q = planQuery();
  try {
    const plan = await api(`/api/route?${q}`, "Planning routes…");
    if (my !== state.planSeq) return;  // a newer query was sent meanwhile
    state.lastQuery = q;
    state.lastVia = $("#via").value.trim();
    state.plan = plan;
    renderPlan(plan, 1);
    const notes = [...(plan.notes || [])];
    const asked = Number(q.get("alternatives"));
    if (plan.routes.length < asked)
      notes.push(`${plural(plan.routes.length, "route")} found of the ${asked} asked for: no other route differs enough from ${plan.routes.length === 1 ? "it" : "them"} under these options.`);
    if (notes.length) showMessage(msg, notes.join(" "), { info: true });
    saveUrl();
    revealResults();
  } catch (e) {
    if (my !== state.planSeq) return;
    const b = e.body || {};
    const asked = (input) => input.value.trim() && (b.query === input.value.trim() || b.query === input.dataset.query);
    let field = null;
    if (b.query !== undefined) field = asked($("#destination")) ? "destination" : asked($("#via")) && !asked($("#origin")) ? "via" : "origin";
    else if (/same place/i.test(e.message)) field = "destination";
    let text = userWords(e.message);
    if (b.blocking && b.blocking.length) text += ` (blocked by: ${userWords(b.blocking.join(", "))})`;
    const sugg = b.suggestions && b.suggestions.length ? b.suggestions : (b.candidates || []).map((c) => `${c.name}, ${c.country}`);
    if (field === "via") $("#options").open = true;
    if (!(field && setFieldError(field, text, sugg))) showMessage(msg, text);
    if (field) fieldOf(field).focus({ preventScroll: true });
    saveUrl();
  } finally { if (my === state.planSeq) $("#go").disabled = false; }
}
$("#plan-form").addEventListener("submit", (e) => { e.preventDefault(); runPlan(); });
$("#scenario").addEventListener("change", () => { if (state.plan) runPlan(); });

function revealResults() { // with the options open the results start below the fold: bring their top into view
  const panel = $(".panel"), pr = panel.getBoundingClientRect(), rr = $("#message").hidden ? $("#results").getBoundingClientRect() : $("#message").getBoundingClientRect();
  if (rr.top > pr.bottom - 140 || rr.top < pr.top) panel.scrollTop += rr.top - pr.top - 8;
}

function breakdownBar(parts, total, cls) { // a stacked bar of the time split, with its numbers for screen readers
  const sum = PARTS.reduce((s, p) => s + (parts[p.id] || 0), 0) || total || 1;
  const text = PARTS.filter((p) => parts[p.id] > 0).map((p) => `${p.label} ${fmt(parts[p.id], 1)} h`).join(", ");
  return `<div class="tbar ${cls || ""}" role="img" aria-label="Time: ${esc(text)}">` + PARTS.filter((p) => parts[p.id] > 0).map((p) =>
    `<span style="width:${(100 * parts[p.id] / sum).toFixed(2)}%;background:${p.colour}" title="${p.label} ${fmt(parts[p.id], 1)} h"></span>`).join("") + "</div>";
}

function renderPlan(plan, selected) {
  const ol = $("#routes");
  ol.innerHTML = plan.routes.map((r) => {
    const tb = r.time_breakdown_hours || {};
    const split = PARTS.map((p) => `<span class="part"><i style="background:${p.colour}"></i>${p.label} <b>${fmt((tb[p.id] || 0) / 24, 1)}</b> d</span>`).join("");
    return `
    <li data-rank="${r.rank}" tabindex="0" role="button" aria-pressed="false" style="border-left-color:${MODE_COLOURS[r.main_mode] || "#999"}">
      <div class="title">${r.rank}. ${esc(r.summary)}</div>
      <div class="totals"><span><b>${fmt(r.transit_days, 1)}</b> days door to door</span><span><b>${fmt(r.distance_km)}</b> km</span>
        <span><b>${fmt(r.cost_usd)}</b> USD</span><span><b>${fmt(r.co2_kg)}</b> kg CO₂e</span></div>
      ${r.time_breakdown_hours ? `<div class="breakdown">${breakdownBar(tb, r.transit_days * 24)}<div class="parts">${split}</div>
        <div class="t2t">terminal to terminal <b>${fmt(r.terminal_to_terminal_days, 1)}</b> d · door to door <b>${fmt(r.door_to_door_days ?? r.transit_days, 1)}</b> d</div></div>` : ""}
      <div class="chips">${r.countries.map((c) => `<span class="chip">${esc(c)}</span>`).join("")}
        ${r.border_crossings.length ? `<span class="chip">${plural(r.border_crossings.length, "border")}</span>` : ""}
        ${r.gauge_changes.length ? `<span class="chip">${plural(r.gauge_changes.length, "gauge change")}</span>` : ""}
        ${r.passages.map((p) => `<span class="chip">⚓ ${esc(p)}</span>`).join("")}</div>
    </li>`; }).join("");
  ol.querySelectorAll("li").forEach((li) => {
    li.addEventListener("click", () => selectRoute(Number(li.dataset.rank), true));
    li.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); selectRoute(Number(li.dataset.rank), true); } });
  });
  const q = state.lastQuery || new URLSearchParams();
  const via = q.getAll("via").length ? ` via ${esc(state.lastVia || q.getAll("via").join(", "))}` : "";
  const gen = plan.objective === "generalized" && (q.has("value_of_time") || q.has("carbon_price"))
    ? ` (${q.has("value_of_time") ? `time ${esc(fmt(q.get("value_of_time")))} USD/TEU-day` : "default time value"}, ` +
      `${q.has("carbon_price") ? `carbon ${esc(fmt(q.get("carbon_price")))} USD/t` : "default carbon price"})` : "";
  const avoid = q.getAll("avoid_country").length ? ` · avoiding ${esc(q.getAll("avoid_country").join(", "))}` : "";
  const year = q.has("year") ? ` · network of ${esc(q.get("year"))}` : "";
  $("#plan-head").innerHTML = `${esc(plan.origin.name)} → ${esc(plan.destination.name)}${via} · ${esc(plan.scenario)}${year} · optimise ${esc(plan.objective)}${gen} · ${esc(plan.quantity)}${avoid}`;
  $("#plan-tools").hidden = false;
  selectRoute(selected || 1, true);
}

function selectRoute(rank, fit) {
  const plan = state.plan;
  if (!plan) return;
  state.selected = rank;
  document.querySelectorAll("#routes li").forEach((li) => { const on = Number(li.dataset.rank) === rank; li.classList.toggle("selected", on); li.setAttribute("aria-pressed", String(on)); });
  const feats = [];
  for (const r of plan.routes) {
    r.legs.forEach((l, i) => {
      if (!l.coordinates || l.coordinates.length < 2) return;
      feats.push({ type: "Feature", properties: { rank: r.rank, selected: r.rank === rank, mode: l.mode, colour: MODE_COLOURS[l.mode] || "#555",
        from: l.from, to: l.to, distance_km: l.distance_km, transit_hours: l.transit_hours, cost_usd: l.cost_usd, leg: i },
        geometry: { type: "LineString", coordinates: unwrap(l.coordinates) } });
    });
  }
  feats.sort((a, b) => (a.properties.selected === b.properties.selected ? 0 : a.properties.selected ? 1 : -1));
  const route = plan.routes.find((r) => r.rank === rank) || plan.routes[0];
  const markers = (route.markers || []).map((m) => ({ type: "Feature", properties: m, geometry: { type: "Point", coordinates: [m.lon, m.lat] } }));
  const ends = [["start", plan.origin], ["end", plan.destination]].map(([role, p]) => ({ type: "Feature",
    properties: { name: p.name, role, label: `${role === "start" ? "Start" : "End"}: ${p.name}` }, geometry: { type: "Point", coordinates: [p.lon, p.lat] } }));
  if (map.getSource("route")) {
    map.getSource("route").setData({ type: "FeatureCollection", features: feats });
    map.getSource("markers").setData({ type: "FeatureCollection", features: markers });
    map.getSource("ends").setData({ type: "FeatureCollection", features: ends });
  }
  $("#map").dataset.routeFeatures = String(feats.length);
  $("#map").dataset.markers = String(markers.length);
  if (fit) {
    const pts = feats.filter((f) => f.properties.selected).flatMap((f) => f.geometry.coordinates).concat(ends.map((f) => f.geometry.coordinates));
    if (pts.length) {
      const b = pts.reduce((bb, [x, y]) => [Math.min(bb[0], x), Math.min(bb[1], y), Math.max(bb[2], x), Math.max(bb[3], y)], [Infinity, Infinity, -Infinity, -Infinity]);
      state.fitted = b;
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: { top: 50, bottom: 50, left: 90, right: 90 }, maxZoom: 7, duration: 0 });
    }
  }
  renderLegs(route);
  renderMapLegend(route);
}

function renderLegs(r) {
  const rows = r.legs.map((l) => {
    const hp = l.hours_by_part || {};
    const parts = PARTS.filter((p) => hp[p.id] > 0).map((p) => `${p.label} ${fmt(hp[p.id], 1)}`).join(" · ");
    return `<tr><td><span class="mode-dot" style="background:${MODE_COLOURS[l.mode] || "#bbb"}"></span>${esc(l.mode.replace("_", " "))}</td>
    <td>${esc(l.from)}${l.from !== l.to ? " → " + esc(l.to) : ""}${l.detail ? `<br><small>${esc(l.detail)}</small>` : ""}</td>
    <td class="num">${l.distance_km ? fmt(l.distance_km) : ""}</td><td class="num">${fmt(l.transit_hours, 1)}${l.hours_by_part ? breakdownBar(hp, l.transit_hours, "small") + `<small class="lparts">${esc(parts)}</small>` : ""}</td><td class="num">${fmt(l.cost_usd)}</td></tr>`; }).join("");
  const marks = (r.markers || []).map((m) => `<li>${esc({ border: "border", gauge_change: "gauge change", passage: "chokepoint" }[m.kind])}: ${esc(m.name)}${m.detail ? " — " + esc(m.detail) : ""}${m.hours != null ? ` (${fmt(m.hours, 1)} h)` : ""}</li>`).join("");
  $("#legs").innerHTML = `<h3>Legs of route ${r.rank}</h3><table class="legs"><thead><tr><th>mode</th><th>from → to</th><th class="num">km</th><th class="num">hours</th><th class="num">USD</th></tr></thead><tbody>${rows}</tbody></table>` +
    `<p class="hint tight">Hours split into <b>moving</b> (on the way), <b>handling</b> (terminals, transshipment, gauge change), <b>border</b> (crossing dwell), <b>customs</b> (export and import clearance) and <b>waiting</b> (for a departure). Terminal to terminal leaves out the first and last trucking and their handling.</p>` +
    (marks ? `<h3>On the way</h3><ul class="hint">${marks}</ul>` : "");
}

function renderMapLegend(route) {
  if (!route) { $("#map-legend").innerHTML = ""; return; }
  const modes = [...new Set(route.legs.map((l) => l.mode).filter((m) => MODE_COLOURS[m] && m !== "handling"))];
  $("#map-legend").innerHTML =
    `<span class="item"><span class="mode-dot" style="background:${END_COLOURS.start};border-radius:50%"></span>start</span>` +
    `<span class="item"><span class="mode-dot" style="background:${END_COLOURS.end};border-radius:50%"></span>end</span>` +
    modes.map((m) => `<span class="item"><span class="mode-dot" style="background:${MODE_COLOURS[m]}"></span>${m.replace("_", " ")}</span>`).join("") +
    `<span class="item"><span class="mode-dot" style="background:#fff;border:1.5px solid #1d2731;border-radius:50%"></span>border</span>` +
    `<span class="item"><span class="mode-dot" style="background:${MARKER_COLOURS.gauge_change};border-radius:50%"></span>gauge change</span>` +
    `<span class="item"><span class="mode-dot" style="background:${MARKER_COLOURS.passage};border-radius:50%"></span>chokepoint</span>`;
}

function selectedRoute() { return state.plan && (state.plan.routes.find((r) => r.rank === state.selected) || state.plan.routes[0]); }
function baseName() { const p = state.plan; return `beltroad-${p.origin.name}-${p.destination.name}-route${state.selected}`.replace(/[^\w.-]+/g, "_"); }
$("#dl-geojson").addEventListener("click", () => {
  const r = selectedRoute(); if (!r) return;
  const fc = { type: "FeatureCollection", properties: { origin: state.plan.origin.name, destination: state.plan.destination.name, scenario: state.plan.scenario,
      rank: r.rank, summary: r.summary, transit_days: r.transit_days, cost_usd: r.cost_usd, co2_kg: r.co2_kg, time_breakdown_hours: r.time_breakdown_hours },
    features: r.legs.filter((l) => l.coordinates && l.coordinates.length > 1).map((l) => ({ type: "Feature",
      properties: { mode: l.mode, from: l.from, to: l.to, distance_km: l.distance_km, transit_hours: l.transit_hours, cost_usd: l.cost_usd, co2_kg: l.co2_kg, detail: l.detail, ...(l.hours_by_part || {}) },
      geometry: { type: "LineString", coordinates: l.coordinates } })) };
  download(baseName() + ".geojson", JSON.stringify(fc), "application/geo+json");
});
$("#dl-csv").addEventListener("click", () => {
  const r = selectedRoute(); if (!r) return;
  const head = ["leg", "mode", "from", "to", "distance_km", "transit_hours", ...PARTS.map((p) => `${p.id}_hours`), "cost_usd", "co2_kg", "detail"];
  download(baseName() + ".csv", csv([head, ...r.legs.map((l, i) => [i + 1, l.mode, l.from, l.to, l.distance_km, l.transit_hours,
    ...PARTS.map((p) => (l.hours_by_part || {})[p.id] ?? ""), l.cost_usd, l.co2_kg, l.detail])]), "text/csv");
});
$("#copy-link").addEventListener("click", async () => {
  saveUrl();
  try { await navigator.clipboard.writeText(location.href); $("#copy-link").textContent = "Link copied"; }
  catch (e) { $("#copy-link").textContent = "Link is in the address bar"; }
  setTimeout(() => ($("#copy-link").textContent = "Copy link"), 2000);
});

// ------------------------------------------------------------------------------------ network layers
$("#layer-toggles").innerHTML = NET_LAYERS.map((l) => `<label><input type="checkbox" data-layer="${l.id}" ${l.on ? "checked" : ""}> ${l.label}</label>`).join("");
$("#net-legend").innerHTML = "<div>Rail gauge (mm):</div>" + Object.entries(GAUGE_COLOURS).map(([g, c]) => `<span class="item"><span class="bar" style="background:${c}"></span>${g}</span>`).join("") +
  "<div>BRI projects:</div>" + Object.entries(PROJECT_COLOURS).map(([s, c]) => `<span class="item"><span class="bar" style="background:${c}"></span>${s.replace("_", " ")}</span>`).join("");
document.querySelectorAll("#layer-toggles input").forEach((cb) => cb.addEventListener("change", refreshLayers));
let yearTimer = null, playTimer = null;
function setYear(y, replan) {
  $("#year").value = String(y);
  $("#year-label").textContent = y === TODAY_YEAR ? `today (${TODAY_YEAR})` : String(y);
  state.year = y === TODAY_YEAR ? null : y;
  state.layersLoaded = {};
  refreshLayers();
  if (replan && state.lastQuery) {  // the trip of the first tab, planned again on this year's network
    $("#year-plan").textContent = `Planning ${$("#origin").value} → ${$("#destination").value} for ${y}…`;
    runPlan().then(() => { $("#year-plan").textContent = state.plan ? `Trip for ${y}: ${state.plan.routes[0].summary}, ${fmt(state.plan.routes[0].transit_days, 1)} days` : `No route in ${y}: ${$("#message").textContent || "see the first tab"}`; });
  }
  saveUrl();
}
$("#year").addEventListener("input", () => {
  const y = Number($("#year").value);
  $("#year-label").textContent = String(y);
  clearTimeout(yearTimer);
  yearTimer = setTimeout(() => setYear(y, true), 250);
});
$("#year-today").addEventListener("click", () => { stopPlay(); setYear(TODAY_YEAR, true); });
function stopPlay() { clearInterval(playTimer); playTimer = null; $("#year-play").textContent = "▶ Play 2000–2035"; }
$("#year-play").addEventListener("click", () => {
  if (playTimer) { stopPlay(); return; }
  let y = 2000;
  $("#year-play").textContent = "❚❚ Pause";
  setYear(y, true);
  playTimer = setInterval(() => { y += 1; if (y > 2035) { stopPlay(); return; } setYear(y, true); }, 1500);
});

async function refreshLayers() {
  if (!map.getSource("net-rail")) return;
  const on = state.tab === "network";
  for (const cb of document.querySelectorAll("#layer-toggles input")) {
    const id = cb.dataset.layer, layerId = `net-${id}`, show = on && cb.checked;
    map.setLayoutProperty(layerId, "visibility", show ? "visible" : "none");
    if (id === "ports") map.setLayoutProperty("net-ports-labels", "visibility", show ? "visible" : "none");
    const key = `${id}@${state.year ?? ""}`;
    if (show && state.layersLoaded[id] !== key) {
      state.layersLoaded[id] = key;
      try {
        const g = await api(`/api/network?layer=${id}` + (state.year ? `&year=${state.year}` : ""), `Loading ${id}…`);
        if (id === "sea") g.features.forEach((f) => { if (f.geometry.type === "MultiLineString") f.geometry.coordinates = f.geometry.coordinates.map(unwrap); });
        map.getSource(layerId).setData(g);
      } catch (e) { state.layersLoaded[id] = null; }
    }
  }
}

// ------------------------------------------------------------------------------------ scenarios + compare
let scenarioInfo = {};
const scenariosReady = (async () => {
  try {
    const r = await api("/api/scenarios", "Loading scenarios…");
    scenarioInfo = Object.fromEntries(r.scenarios.map((s) => [s.name, s.description || ""]));
    // the chokepoints a route may avoid come from the server (one list: beltroad.data.sea.PASSAGE_NAMES)
    $("#passages").insertAdjacentHTML("beforeend", (r.passages || []).map((p) => `<label><input type="checkbox" value="${esc(p)}"> ${esc(p)}</label>`).join(""));
    const opts = r.scenarios.map((s) => `<option value="${esc(s.name)}" title="${esc(s.description || "")}">${esc(s.name)}</option>`).join("");
    $("#scenario").innerHTML = opts; $("#cmp-base").innerHTML = opts; $("#cmp-scenario").innerHTML = opts;
    const fl = state.flows ? state.flows.scenario : "baseline";
    $("#flows-scenario").innerHTML = opts; if (scenarioInfo[fl] !== undefined) $("#flows-scenario").value = fl;
    describeFlowsScenario();
    const alt = r.scenarios.find((s) => s.name !== "baseline");
    if (alt) $("#cmp-scenario").value = alt.name;
    describeScenario();
  } catch (e) { /* baseline only */ }
})();
function describePlanScenario() { const n = $("#scenario").value, d = scenarioInfo[n]; $("#scenario-desc").textContent = d && n !== "baseline" ? `${n}: ${d}` : ""; }
$("#scenario").addEventListener("change", describePlanScenario);
function describeScenario() { const d = scenarioInfo[$("#cmp-scenario").value]; $("#cmp-desc").textContent = d ? `${$("#cmp-scenario").value}: ${d}` : ""; }
$("#cmp-scenario").addEventListener("change", describeScenario);

// diverging: blue = faster/cheaper (negative), red = slower/dearer (positive), scaled to the largest change
// (no clipping); the colour follows the square root of the change so small changes still show
function ramp(v, max) {
  if (v === 0) return NO_CHANGE;
  const t = Math.sign(v) * Math.sqrt(Math.min(1, Math.abs(v) / (max || 1)));
  const lerp = (a, b, u) => Math.round(a + (b - a) * u);
  const mid = [247, 247, 247], neg = [33, 102, 172], pos = [178, 24, 43];
  const [a, u] = t < 0 ? [neg, -t] : [pos, t];
  return `rgb(${lerp(mid[0], a[0], u)},${lerp(mid[1], a[1], u)},${lerp(mid[2], a[2], u)})`;
}

const CMP_METRICS = {
  change_pct: { title: "Change in transit time, %", col: "time %", digits: 1 },
  trade_cost_change_pct: { title: "Trade-cost change, % of trade value (ad valorem equivalent of the time change)", col: "trade cost %", digits: 2 },
};
const CMP_COLS = [["name", "economy", 0], ["change_days", "days", 2], ["change_pct", "time %", 1], ["trade_cost_change_pct", "trade cost %", 2]];
const CMP_CITIES = 200;
const econName = (e) => fixText(e.name || countryNames[e.iso3] || e.iso3); // /api/compare uses the world-200 city set

function setChoropleth(on) { // the choropleth belongs to the Compare tab only
  if (!map.getLayer("countries-fill")) return;
  map.setPaintProperty("countries-fill", "fill-color", on && state.compare
    ? ["case", ["==", ["feature-state", "nodata"], false], ["feature-state", "colour"], NO_DATA] : "#f7f5ef");
}

function paintCompare() {
  const r = state.compare;
  if (!r) return;
  const key = state.cmpMetric, m = CMP_METRICS[key];
  const vals = r.economies.map((e) => e[key]).filter((v) => v != null && isFinite(v));
  const max = vals.reduce((a, v) => Math.max(a, Math.abs(v)), 0) || 1;
  for (const e of r.economies) {
    if (!e.iso3) continue;
    const v = e[key];
    map.setFeatureState({ source: "countries", id: e.iso3 }, v == null || !isFinite(v) ? { nodata: true, value: null } : { nodata: false, value: v, colour: ramp(v, max) });
  }
  setChoropleth(state.tab === "compare");
  const lim = fmt(max, max < 1 ? 2 : 1);
  $("#cmp-legend").dataset.metric = key;
  $("#cmp-legend").innerHTML = `<div><b>${esc(m.title)}</b> · ${esc(r.base)} → ${esc(r.scenario)}</div>` +
    `<div class="ramp" style="background:linear-gradient(to right, ${ramp(-max, max)}, ${ramp(-max / 4, max)}, ${NO_CHANGE}, ${ramp(max / 4, max)}, ${ramp(max, max)})"></div>` +
    `<div class="ends"><span>−${lim} %</span><span>0</span><span>+${lim} %</span></div>` +
    `<div class="hint tight">Diverging scale from the largest fall to the largest rise (nothing clipped); colour grows with the square root of the change. Blue: falls · red: rises.</div>` +
    `<div class="keys"><span class="item"><span class="sw" style="background:${NO_CHANGE}"></span>no change</span><span class="item"><span class="sw" style="background:${NO_DATA}"></span>no data (no city of the 200-city set, or unreachable)</span></div>`;
  renderCompareTable();
}

function renderCompareTable() {
  const r = state.compare;
  if (!r) return;
  const key = state.cmpMetric, q = $("#cmp-search").value.trim().toLowerCase();
  const sk = state.sort.key || key, dir = state.sort.key ? state.sort.dir : 1;
  const rows = r.economies.filter((e) => !q || `${econName(e)} ${e.iso3}`.toLowerCase().includes(q)).slice().sort((a, b) => {
    const x = sk === "name" ? econName(a) : a[sk], y = sk === "name" ? econName(b) : b[sk];
    if (x == null) return 1; if (y == null) return -1;
    return (sk === "name" ? String(x).localeCompare(String(y)) : x - y) * dir;
  });
  const withData = r.economies.filter((e) => e[key] != null);
  const sorted = withData.map((e) => e[key]).sort((a, b) => a - b);
  const median = sorted.length ? (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2 : null;
  const head = CMP_COLS.map(([k, label]) => `<th scope="col" class="${k === "name" ? "" : "num"}${k === key ? " on" : ""}" aria-sort="${k === sk ? (dir > 0 ? "ascending" : "descending") : "none"}">` +
    `<button type="button" class="sort" data-key="${k}">${label}${k === sk ? (dir > 0 ? " ▲" : " ▼") : ""}</button></th>`).join("");
  const body = rows.map((e) => `<tr data-iso="${esc(e.iso3)}"><td>${esc(econName(e))} <small>${esc(e.iso3)}</small></td>` +
    CMP_COLS.slice(1).map(([k, , d]) => `<td class="num${k === key ? " on" : ""}">${e[k] == null ? "no data" : fmt(e[k], d)}</td>`).join("") + "</tr>").join("");
  $("#cmp-table").innerHTML = `<p class="hint">${plural(r.economies.length, "economy", "economies")} (${withData.length} with data) · median ${esc(CMP_METRICS[key].col)} ${fmt(median, CMP_METRICS[key].digits)} %` +
    (q ? ` · ${plural(rows.length, "match", "matches")}` : "") + `</p><div class="table-wrap"><table class="cmp"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
  $("#cmp-table").querySelectorAll("button.sort").forEach((b) => b.addEventListener("click", () => {
    const k = b.dataset.key;
    state.sort = { key: k, dir: state.sort.key === k || (!state.sort.key && k === key) ? -(state.sort.key ? state.sort.dir : 1) : 1 };
    renderCompareTable();
    $(`#cmp-table button.sort[data-key="${k}"]`).focus();
  }));
}
$("#cmp-search").addEventListener("input", renderCompareTable);

function clearCompare() {
  if (state.compare) for (const iso of Object.keys(state.compare.byIso)) map.removeFeatureState({ source: "countries", id: iso });
  state.compare = null; state.sort = { key: null, dir: 1 };
  setChoropleth(false);
  $("#cmp-legend").innerHTML = ""; $("#cmp-table").innerHTML = ""; $("#cmp-search").value = "";
  $("#cmp-tools").hidden = $("#cmp-explain").hidden = $("#cmp-clear").hidden = true;
  closePopup();
}
$("#cmp-clear").addEventListener("click", () => { clearCompare(); saveUrl(); });
$("#dl-cmp").addEventListener("click", () => {
  const r = state.compare; if (!r) return;
  download(`beltroad-compare-${r.base}-vs-${r.scenario}.csv`.replace(/[^\w.-]+/g, "_"), csv([["iso3", "economy", "change_days", "change_pct", "trade_cost_change_pct"],
    ...r.economies.map((e) => [e.iso3, econName(e), e.change_days, e.change_pct, e.trade_cost_change_pct])]), "text/csv");
});

function compareProgress(base, scen, started) {
  const s = Math.round((Date.now() - started) / 1000);
  $("#cmp-progress").innerHTML = `<span class="ring small"></span><span>Computing skims for ${CMP_CITIES} cities under <b>${esc(base)}</b> and <b>${esc(scen)}</b>… ` +
    `(takes ~10&nbsp;s the first time; repeats are cached) · <span class="elapsed">${s} s</span></span>`;
}

async function runCompare() {
  const msg = $("#cmp-message"), prog = $("#cmp-progress"), btn = $("#cmp-go");
  const base = $("#cmp-base").value, scen = $("#cmp-scenario").value;
  showMessage(msg, "");
  clearCompare();
  if (base === scen) { showMessage(msg, `Base and scenario are both “${base}”: choose two different scenarios to compare.`); return; }
  btn.disabled = true; btn.textContent = "Comparing…";
  $("#cmp-base").disabled = $("#cmp-scenario").disabled = true;
  const started = Date.now();
  compareProgress(base, scen, started);
  prog.hidden = false;
  const tick = setInterval(() => compareProgress(base, scen, started), 1000);
  try {
    const r = await api(`/api/compare?base=${encodeURIComponent(base)}&scenario=${encodeURIComponent(scen)}`, "Comparing scenarios…");
    const byIso = {};
    r.economies.forEach((e) => (byIso[e.iso3] = e));
    state.compare = { ...r, byIso };
    $("#cmp-tools").hidden = $("#cmp-explain").hidden = $("#cmp-clear").hidden = false;
    paintCompare();
    saveUrl();
  } catch (e) { showMessage(msg, userWords(e.message)); }
  finally {
    clearInterval(tick);
    prog.hidden = true;
    btn.disabled = false; btn.textContent = "Compare";
    $("#cmp-base").disabled = $("#cmp-scenario").disabled = false;
  }
}
state.cmpMetric = (document.querySelector("input[name=cmp-metric]:checked") || {}).value || "change_pct";
document.querySelectorAll("input[name=cmp-metric]").forEach((rb) => rb.addEventListener("change", () => {
  if (!rb.checked) return;
  state.cmpMetric = rb.value;
  state.sort = { key: null, dir: 1 };
  paintCompare();
}));
$("#cmp-go").addEventListener("click", runCompare);

// ------------------------------------------------------------------------------------ flows (container assignment)
// line width grows with the square root of TEU a year (area-like, so the small rail flows stay visible
// beside the ocean lanes); colour is the volume/capacity class of the capacity element on the link
const VC_CLASSES = [
  { upto: 0.5, colour: "#1a9850", label: "< 0.5" },
  { upto: 0.8, colour: "#91cf60", label: "0.5–0.8" },
  { upto: 0.9, colour: "#fee08b", label: "0.8–0.9" },
  { upto: 1.0, colour: "#fc8d59", label: "0.9–1.0" },
  { upto: Infinity, colour: "#d73027", label: "≥ 1.0 (over capacity: queues)" },
];
const NO_CAPACITY = "#6f8296";
const FLOWS_MIN_TEU = 100; // links carrying less are not drawn (the API gives every loaded link)
const vcColour = (v) => (v == null ? NO_CAPACITY : VC_CLASSES.find((c) => v < c.upto).colour);
const flowWidth = (teu, max) => 0.6 + 11 * Math.sqrt(Math.max(teu, 0) / (max || 1));
state.flows = null; state.flowsSeq = 0; state.flowsSel = null;

function describeFlowsScenario() { const n = $("#flows-scenario").value, d = scenarioInfo[n]; $("#flows-desc").textContent = d && n !== "baseline" ? `${n}: ${d}` : ""; }
$("#flows-scenario").addEventListener("change", () => { describeFlowsScenario(); loadFlows($("#flows-scenario").value); });

function flowsProgress(name, started) {
  const s = Math.round((Date.now() - started) / 1000);
  $("#flows-progress").innerHTML = `<span class="ring small"></span><span>Assigning the container demand under <b>${esc(name)}</b>… ` +
    `(about a minute the first time: demand, then the equilibrium; kept afterwards) · <span class="elapsed">${s} s</span></span>`;
}

function clearFlows() {
  state.flows = null; state.flowsSel = null;
  if (map.getSource("flows")) map.getSource("flows").setData(EMPTY);
  $("#map").dataset.flowFeatures = "0";
  $("#flows-legend").innerHTML = ""; $("#flows-summary").textContent = ""; $("#flows-table").innerHTML = "";
}

async function loadFlows(name) {
  const my = ++state.flowsSeq, started = Date.now();
  showMessage($("#flows-message"), "");
  clearFlows();
  state.flowsWanted = name; state.flowsFailed = false;
  flowsProgress(name, started);
  $("#flows-progress").hidden = false;
  const tick = setInterval(() => { if (my === state.flowsSeq) flowsProgress(name, started); }, 1000);
  try {
    const r = await api(`/api/flows?scenario=${encodeURIComponent(name)}&min_teu=${FLOWS_MIN_TEU}`, "Assigning container flows…");
    if (my !== state.flowsSeq) return;
    state.flows = r;
    paintFlows();
    renderFlowsPanel();
  } catch (e) {
    if (my !== state.flowsSeq) return;
    state.flowsFailed = true;
    showMessage($("#flows-message"), `Flows could not be loaded: ${userWords(e.message)}`);
  } finally {
    clearInterval(tick);
    if (my === state.flowsSeq) { $("#flows-progress").hidden = true; saveUrl(); }
  }
}

function paintFlows() {
  const r = state.flows;
  if (!r || !map.getSource("flows")) return;
  const max = r.features.reduce((m, f) => Math.max(m, f.properties.teu_per_year), 0);
  const feats = r.features.map((f) => ({ type: "Feature", geometry: { type: "LineString", coordinates: unwrap(f.geometry.coordinates) },
    properties: { ...f.properties, width_px: flowWidth(f.properties.teu_per_year, max), colour: vcColour(f.properties.volume_capacity_ratio),
      capped: f.properties.volume_capacity_ratio != null } }));
  map.getSource("flows").setData({ type: "FeatureCollection", features: feats });
  $("#map").dataset.flowFeatures = String(feats.length);
  const ex = [max, max / 10, max / 100].filter((v) => v > 0);
  $("#flows-legend").innerHTML = `<div><b>Volume / capacity</b> of the capacity element on the link</div><div class="keys">` +
    VC_CLASSES.map((c) => `<span class="item"><span class="bar thick" style="background:${c.colour}"></span>${esc(c.label)}</span>`).join("") +
    `<span class="item"><span class="bar thick" style="background:${NO_CAPACITY};opacity:.6"></span>no capacity set</span></div>` +
    `<div><b>Line width</b>: TEU a year (both directions)</div><div class="keys">` +
    ex.map((v) => `<span class="item"><span class="bar" style="background:#555;height:${flowWidth(v, max).toFixed(1)}px;width:26px"></span>${fmt(v)}</span>`).join("") + "</div>";
}

function renderFlowsPanel() {
  const r = state.flows;
  const ind = Object.fromEntries((r.indicators || []).map((x) => [x.indicator, x.teu_per_year]));
  const pick = [["china-europe overland (rail/road)", "China–Europe overland"], ["china-europe by sea", "China–Europe by sea"],
    ["all pairs via caspian_ferries", "across the Caspian"], ["all pairs via suez", "through Suez"]].filter(([k]) => ind[k] != null);
  $("#flows-summary").innerHTML = `<b>${esc(r.scenario)}</b>: ${fmt(r.total_demand_teu_per_year / 1e6, 1)} m TEU/yr assigned · ${r.iterations} iterations, ` +
    `gap ${Number(r.relative_gap).toExponential(1)} · ${plural(r.features.length, "link")} drawn` +
    (pick.length ? "<br>" + pick.map(([k, l]) => `${l} <b>${fmt(ind[k])}</b> TEU/yr`).join(" · ") : "");
  const rows = r.bottlenecks.map((b) => `<tr data-element="${esc(b.element)}" data-id="${esc(b.id)}" tabindex="0" class="${b.binding ? "binding" : ""}">` +
    `<td><span class="mode-dot" style="background:${vcColour(b.volume_capacity_ratio)}"></span>${esc(fixText(b.name))}` +
    `${b.direction !== "both" ? ` <small>(${esc(b.direction === "fwd" ? "outbound" : "inbound")})</small>` : ""}<br><small>${esc(b.id)} · ${esc(b.year)} · ${esc(b.source)}</small></td>` +
    `<td class="num vc">${fmt(b.volume_capacity_ratio, 2)}</td><td class="num" title="${fmt(b.flow_teu_per_year)} TEU/yr">${fmt(b.flow_teu_per_year / 1000)}</td>` +
    `<td class="num" title="${fmt(b.capacity_teu_per_year)} TEU/yr">${fmt(b.capacity_teu_per_year / 1000)}</td><td class="num">${fmt(b.congestion_delay_hours, 0)}</td></tr>`).join("");
  $("#flows-table").innerHTML = `<h3>Bottlenecks (volume/capacity ≥ ${fmt(r.min_vc, 1)})</h3>` + (rows
    ? `<div class="table-wrap"><table class="cmp flows"><thead><tr><th scope="col">capacity element</th><th scope="col" class="num">v/c</th>` +
      `<th scope="col" class="num">flow</th><th scope="col" class="num">capacity</th><th scope="col" class="num">delay</th></tr></thead><tbody>${rows}</tbody></table></div>` +
      `<p class="hint tight"><b>flow</b> and <b>capacity</b>: thousand TEU a year; <b>delay</b>: the queueing delay a box meets at the element at this load, hours (added to its trip). Click a row to show it on the map.</p>`
    : `<p class="hint">No capacity element is at or above v/c ${fmt(r.min_vc, 1)} in this scenario.</p>`);
  $("#flows-table").querySelectorAll("tr[data-element]").forEach((tr) => {
    const go = () => selectBottleneck(tr.dataset.element);
    tr.addEventListener("click", go);
    tr.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
  });
}

function selectBottleneck(element) {
  state.flowsSel = element;
  document.querySelectorAll("#flows-table tr[data-element]").forEach((tr) => tr.classList.toggle("selected", tr.dataset.element === element));
  if (!map.getLayer("flows-sel")) return;
  map.setFilter("flows-sel", ["==", ["get", "capacity_element"], element]);
  const pts = state.flows.features.filter((f) => f.properties.capacity_element === element).flatMap((f) => unwrap(f.geometry.coordinates));
  if (pts.length) {
    const b = pts.reduce((bb, [x, y]) => [Math.min(bb[0], x), Math.min(bb[1], y), Math.max(bb[2], x), Math.max(bb[3], y)], [Infinity, Infinity, -Infinity, -Infinity]);
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 80, maxZoom: 6, duration: 0 });
  }
}

// ------------------------------------------------------------------------------------ tabs (ARIA tabs; each owns its layers)
function applyTabLayers() {
  if (!map.getLayer("route-line")) return;
  for (const id of ALL_TAB_LAYERS) if (!id.startsWith("net-") && map.getLayer(id)) map.setLayoutProperty(id, "visibility", TAB_LAYERS[state.tab].includes(id) ? "visible" : "none");
  refreshLayers();
  setChoropleth(state.tab === "compare");
  $("#map-legend").hidden = state.tab !== "plan" || !$("#map-legend").innerHTML;
}
function setTab(name, focus) {
  if (!["plan", "network", "compare", "flows"].includes(name)) name = "plan";
  state.tab = name;
  document.querySelectorAll(".tab").forEach((x) => {
    const on = x.dataset.tab === name;
    x.classList.toggle("active", on); x.setAttribute("aria-selected", String(on)); x.tabIndex = on ? 0 : -1;
    if (on && focus) x.focus();
  });
  document.querySelectorAll(".pane").forEach((p) => p.classList.toggle("active", p.id === `pane-${name}`));
  closePopup();
  applyTabLayers();
  if (name !== "network") stopPlay();
  if (name === "flows" && !state.flows && (!state.flowsWanted || state.flowsFailed) && !restoring) loadFlows($("#flows-scenario").value || "baseline");
  saveUrl();
}
document.querySelectorAll(".tab").forEach((t) => {
  t.addEventListener("click", () => setTab(t.dataset.tab));
  t.addEventListener("keydown", (e) => {
    const tabs = [...document.querySelectorAll(".tab")], i = tabs.indexOf(t);
    const j = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (j === undefined) return;
    e.preventDefault();
    setTab(tabs[(j + tabs.length) % tabs.length].dataset.tab, true);
  });
});
new MutationObserver(() => { $("#map-legend").hidden = state.tab !== "plan" || !$("#map-legend").innerHTML; }).observe($("#map-legend"), { childList: true });

// ------------------------------------------------------------------------------------ the URL holds the query
let restoring = false;
function saveUrl() {
  if (restoring) return;
  const u = new URLSearchParams();
  if (state.tab !== "plan") u.set("tab", state.tab);
  const q = state.lastQuery && state.plan ? state.lastQuery : (($("#origin").value.trim() && $("#destination").value.trim()) ? planQuery() : null);
  if (q) {
    for (const [k, v] of q) u.append(k, v);
    u.set("from", $("#origin").value.trim()); u.set("to", $("#destination").value.trim());
    if (state.lastVia) u.set("via_label", state.lastVia);
  }
  if (state.year) u.set("year", String(state.year));
  if (state.flowsWanted && (state.tab === "flows" || state.flows)) u.set("flows", state.flowsWanted);
  if (state.compare) { u.set("base", state.compare.base); u.set("cmp", state.compare.scenario); u.set("metric", state.cmpMetric); }
  const s = u.toString();
  history.replaceState(null, "", s ? `?${s}` : location.pathname);
}

async function restoreUrl() {
  const u = new URLSearchParams(location.search);
  if (![...u.keys()].length) return;
  restoring = true;
  try {
    await scenariosReady;
    const setField = (id, label, query) => { if (query) { $(id).value = label || query; $(id).dataset.query = query; } };
    setField("#origin", u.get("from"), u.get("origin"));
    setField("#destination", u.get("to"), u.get("destination"));
    for (const [k, id] of [["optimize", "#optimize"], ["mode", "#mode"], ["alternatives", "#alternatives"], ["teu", "#teu"]]) if (u.has(k)) $(id).value = u.get(k);
    if (u.has("scenario")) { $("#scenario").value = u.get("scenario"); describePlanScenario(); }
    if (u.has("value_of_time")) $("#vot").value = u.get("value_of_time");
    if (u.has("carbon_price")) $("#carbon").value = u.get("carbon_price");
    if (u.has("max_drayage_km")) $("#drayage").value = u.get("max_drayage_km");
    if (u.getAll("via").length) setField("#via", u.get("via_label"), u.getAll("via")[0]);
    if (u.getAll("avoid_country").length) { $("#avoid-countries").value = u.getAll("avoid_country").join(", "); $("#avoid-countries").dispatchEvent(new Event("input")); }
    const passages = new Set(u.getAll("avoid_passage"));
    document.querySelectorAll("#passages input").forEach((c) => { c.checked = passages.has(c.value); });
    syncGeneralized();
    if (u.has("year")) { const y = Number(u.get("year")); $("#year").value = String(y); $("#year-label").textContent = String(y); state.year = y; }
    if (u.has("metric")) { state.cmpMetric = u.get("metric"); const rb = document.querySelector(`input[name=cmp-metric][value="${CSS.escape(state.cmpMetric)}"]`); if (rb) rb.checked = true; }
    if (u.has("base")) $("#cmp-base").value = u.get("base");
    if (u.has("cmp")) { $("#cmp-scenario").value = u.get("cmp"); describeScenario(); }
    setTab(u.get("tab") || "plan");
  } finally { restoring = false; }
  const jobs = [];
  if (u.has("origin") && u.has("destination")) jobs.push(runPlan());
  if (u.has("cmp")) jobs.push(runCompare());
  if (u.has("flows") || state.tab === "flows") { // the name goes to the server as given: an unknown one gets its message
    const f = u.get("flows") || $("#flows-scenario").value || "baseline";
    if (scenarioInfo[f] !== undefined) { $("#flows-scenario").value = f; describeFlowsScenario(); }
    jobs.push(loadFlows(f));
  }
  await Promise.all(jobs);
  saveUrl();
}
restoreUrl();
