/* beltroad single-page app: plan trips, explore network layers, compare scenarios. No network access
   beyond this server: MapLibre is served from /static/vendor, no tiles, no fonts (no text layers). */
"use strict";

const MODE_COLOURS = { rail: "#c0392b", road: "#e67e22", sea: "#2471a3", ferry: "#8e44ad", inland_water: "#17a589" };
const GAUGE_COLOURS = { 1435: "#c0392b", 1520: "#7d3c98", 1000: "#148f77", 1067: "#5d6d7e", 1676: "#b7950b", 1668: "#d35400" };
const PASSAGES = ["suez", "bab-el-mandeb", "hormuz", "malacca", "sunda", "panama", "gibraltar", "bosporus",
                  "dardanelles", "cape", "magellan", "bering", "arctic"];
const MARKER_COLOURS = { border: "#1d2731", gauge_change: "#f1c40f", passage: "#e74c3c" };
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

const $ = (s) => document.querySelector(s);
const fixText = (s) => { // repair UTF-8 that was decoded as Latin-1 somewhere upstream ("CuraÃ§ao" -> "Curaçao")
  s = String(s ?? "");
  if (!/[\u00c2-\u00c3][\u0080-\u00bf]/.test(s)) return s;
  try { return decodeURIComponent(escape(s)); } catch (e) { return s; }
};
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const fmt = (n, d = 0) => (n == null || isNaN(n) ? "–" : Number(n).toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }));
const state = { plan: null, selected: 1, year: null, layersLoaded: {}, compare: null, pending: 0, cmpMetric: "change_pct", lastQuery: null };
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

const map = new maplibregl.Map({
  container: "map",
  style: {
    version: 8,
    sources: {
      graticule: { type: "geojson", data: graticule() },
      countries: { type: "geojson", data: EMPTY, promoteId: "iso_a3" },
    },
    layers: [
      { id: "background", type: "background", paint: { "background-color": "#dfe9f2" } },
      { id: "graticule", type: "line", source: "graticule", paint: { "line-color": "#c4d3e0", "line-width": 0.6 } },
      { id: "countries-fill", type: "fill", source: "countries", paint: {
          "fill-color": ["case", ["!=", ["feature-state", "value"], null], ["feature-state", "colour"], "#f7f5ef"],
          "fill-opacity": 1 } },
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

map.on("load", async () => {
  for (const id of ["net-rail", "net-road", "net-ferry", "net-sea", "net-ports", "net-crossings", "net-projects", "route", "markers", "ends"])
    map.addSource(id, { type: "geojson", data: EMPTY });
  map.addLayer({ id: "net-sea", type: "line", source: "net-sea", layout: { visibility: "none" }, paint: { "line-color": "#6f9cc4", "line-width": 0.6, "line-opacity": 0.45 } });
  map.addLayer({ id: "net-road", type: "line", source: "net-road", layout: { visibility: "none" }, paint: { "line-color": MODE_COLOURS.road, "line-width": 1.2, "line-opacity": 0.75 } });
  map.addLayer({ id: "net-ferry", type: "line", source: "net-ferry", layout: { visibility: "none" }, paint: { "line-color": MODE_COLOURS.ferry, "line-width": 1.2, "line-dasharray": [2, 2] } });
  map.addLayer({ id: "net-rail", type: "line", source: "net-rail", paint: {
      "line-color": ["match", ["to-string", ["get", "gauge_mm"]], ...Object.entries(GAUGE_COLOURS).flatMap(([g, c]) => [String(g), c]), "#777"],
      "line-width": 1.3, "line-opacity": ["case", ["==", ["get", "status"], "open"], 0.45, 0.3] } });
  map.addLayer({ id: "net-projects", type: "line", source: "net-projects", layout: { visibility: "none" }, paint: {
      "line-color": ["match", ["get", "status"], ...Object.entries(PROJECT_COLOURS).flat(), "#555"], "line-width": 3.5, "line-opacity": 0.8 } });
  map.addLayer({ id: "net-ports", type: "circle", source: "net-ports", layout: { visibility: "none" }, paint: {
      "circle-radius": ["case", ["get", "dataset"], 3.5, 2], "circle-color": "#2471a3", "circle-stroke-color": "#fff", "circle-stroke-width": 0.6 } });
  map.addLayer({ id: "net-crossings", type: "circle", source: "net-crossings", layout: { visibility: "none" }, paint: {
      "circle-radius": 3.5, "circle-color": ["match", ["get", "kind"], "gauge_change", MARKER_COLOURS.gauge_change, MARKER_COLOURS.border],
      "circle-stroke-color": "#fff", "circle-stroke-width": 0.8 } });
  map.addLayer({ id: "route-casing", type: "line", source: "route", layout: { "line-cap": "round", "line-join": "round" },
    filter: ["==", ["get", "selected"], true], paint: { "line-color": "#fff", "line-width": 7 } });
  map.addLayer({ id: "route-alt", type: "line", source: "route", layout: { "line-cap": "round", "line-join": "round" },
    filter: ["!=", ["get", "selected"], true], paint: { "line-color": ["get", "colour"], "line-width": 2.2, "line-opacity": 0.45, "line-dasharray": [2, 1.5] } });
  map.addLayer({ id: "route-line", type: "line", source: "route", layout: { "line-cap": "round", "line-join": "round" },
    filter: ["==", ["get", "selected"], true], paint: { "line-color": ["get", "colour"], "line-width": 4 } });
  map.addLayer({ id: "markers", type: "circle", source: "markers",
    layout: { "circle-sort-key": ["match", ["get", "kind"], "gauge_change", 3, "passage", 2, 1] }, paint: {
      "circle-radius": ["match", ["get", "kind"], "gauge_change", 7, 6], "circle-color": ["match", ["get", "kind"], "gauge_change", MARKER_COLOURS.gauge_change, "passage", MARKER_COLOURS.passage, MARKER_COLOURS.border],
      "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  map.addLayer({ id: "ends", type: "circle", source: "ends", paint: { "circle-radius": 7, "circle-color": "#15324d", "circle-stroke-color": "#fff", "circle-stroke-width": 2.5 } });

  for (const id of ["route-line", "route-alt"]) {
    map.on("click", id, (e) => {
      const p = e.features[0].properties;
      popup(e.lngLat, `<b>Route ${p.rank}</b> · ${esc(p.mode)}<br>${esc(p.from)} → ${esc(p.to)}<br>${fmt(p.distance_km)} km · ${fmt(p.transit_hours, 1)} h · ${fmt(p.cost_usd)} USD`);
      if (Number(p.rank) !== state.selected) selectRoute(Number(p.rank));
    });
  }
  map.on("click", "markers", (e) => {
    const p = e.features[0].properties;
    const what = { border: "Border crossing", gauge_change: "Gauge change", passage: "Chokepoint" }[p.kind] || p.kind;
    popup(e.lngLat, `<b>${what}</b>: ${esc(p.name)}<br>${esc(p.detail)}` + (p.hours !== "null" && p.hours != null ? `<br>${fmt(p.hours, 1)} h` : "") +
      (p.cost_usd !== "null" && p.cost_usd != null ? ` · ${fmt(p.cost_usd)} USD` : ""));
  });
  map.on("click", "net-rail", (e) => { const p = e.features[0].properties; popup(e.lngLat, `<b>Rail</b> ${esc(p.from)} – ${esc(p.to)}<br>gauge ${esc(p.gauge_mm)} mm · ${esc(p.status)}${p.opened ? " · opened " + esc(p.opened) : ""}<br>${esc(p.corridor)}`); });
  map.on("click", "net-road", (e) => { const p = e.features[0].properties; popup(e.lngLat, `<b>Road</b> ${esc(p.from)} – ${esc(p.to)}<br>${esc(p.class)} · ${esc(p.status)}`); });
  map.on("click", "net-ports", (e) => { const p = e.features[0].properties; popup(e.lngLat, `<b>${esc(p.name)}</b> (${esc(p.country)}) ${esc(p.locode)}`); });
  map.on("click", "net-crossings", (e) => { const p = e.features[0].properties; popup(e.lngLat, `<b>${p.kind === "gauge_change" ? "Gauge change" : "Border"}</b> ${esc(p.from_country)} → ${esc(p.to_country)}<br>dwell ${fmt(p.dwell_hours, 1)} h` + (p.kind === "gauge_change" ? `<br>${esc(p.gauge_from_mm)} → ${esc(p.gauge_to_mm)} mm` : "")); });
  map.on("click", "net-projects", (e) => { const p = e.features[0].properties; popup(e.lngLat, `<b>${esc(p.name)}</b><br>${esc(p.status)}${p.opened ? " · " + esc(p.opened) : ""}${p.cost_usd_bn ? " · " + esc(p.cost_usd_bn) + " bn USD" : ""}`); });
  map.on("click", "countries-fill", (e) => {
    if (!state.compare) return;
    const iso = e.features[0].properties.iso_a3, row = state.compare.byIso[iso];
    if (row) popup(e.lngLat, `<b>${esc(fixText(row.name || iso))}</b><br>${fmt(row.change_days, 2)} days · ${fmt(row.change_pct, 1)} % time` +
      (row.trade_cost_change_pct != null ? `<br>trade cost ${fmt(row.trade_cost_change_pct, 2)} %` : ""));
    else popup(e.lngLat, `<b>${esc(fixText(e.features[0].properties.name))}</b><br>no figure in this comparison`);
  });
  for (const id of ["route-line", "route-alt", "markers", "net-rail", "net-road", "net-ports", "net-crossings", "net-projects"]) {
    map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
  }
  $("#map").dataset.ready = "1";
  countriesReady.then((g) => map.getSource("countries").setData(g)).catch(() => {});
  refreshLayers();
});

function popup(lngLat, htmlText) { new maplibregl.Popup({ closeButton: true, maxWidth: "300px" }).setLngLat(lngLat).setHTML(htmlText).addTo(map); }

// ------------------------------------------------------------------------------------ autocomplete
function autocomplete(input, list) {
  let timer = null, items = [], active = -1, seq = 0;
  const close = () => { list.innerHTML = ""; items = []; active = -1; };
  const pick = (p) => {
    input.value = `${p.name} (${p.country})`;
    input.dataset.query = p.node_id || (p.kind === "port" && p.locode ? p.locode : `${p.name}, ${p.country}`);
    close();
  };
  const render = () => {
    list.innerHTML = items.map((p, i) => `<li role="option" class="${i === active ? "active" : ""}" data-i="${i}"><span>${esc(p.name)} <small>${esc(p.country)}</small></span><span class="kind">${esc(p.kind === "node" ? "network node" : p.kind)}${p.population ? " · " + fmt(p.population / 1e6, 1) + " M" : ""}</span></li>`).join("");
  };
  input.addEventListener("input", () => {
    delete input.dataset.query;
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) { close(); return; }
    timer = setTimeout(async () => {
      const my = ++seq;
      try {
        const r = await fetch(`/api/places?q=${encodeURIComponent(q)}&limit=8`).then((r) => r.json());
        if (my !== seq || document.activeElement !== input) return;  // typed on, or left the field
        items = r.places || []; active = -1; render();
      } catch (e) { close(); }
    }, 150);
  });
  input.addEventListener("keydown", (e) => {
    if (!items.length) return;
    if (e.key === "ArrowDown") { active = (active + 1) % items.length; render(); e.preventDefault(); }
    else if (e.key === "ArrowUp") { active = (active - 1 + items.length) % items.length; render(); e.preventDefault(); }
    else if (e.key === "Enter" && active >= 0) { pick(items[active]); e.preventDefault(); }
    else if (e.key === "Escape") close();
  });
  list.addEventListener("mousedown", (e) => { const li = e.target.closest("li"); if (li) { e.preventDefault(); pick(items[Number(li.dataset.i)]); } });
  input.addEventListener("blur", () => { clearTimeout(timer); seq++; setTimeout(close, 150); });
}
autocomplete($("#origin"), $("#origin-list"));
autocomplete($("#destination"), $("#destination-list"));
autocomplete($("#via"), $("#via-list"));

// ------------------------------------------------------------------------------------ plan
$("#passages").insertAdjacentHTML("beforeend", PASSAGES.map((p) => `<label><input type="checkbox" value="${p}"> ${p}</label>`).join(""));

function showMessage(el, text, extra) {
  el.hidden = !text;
  el.className = "message" + (extra && extra.info ? " info" : "");
  el.innerHTML = text ? esc(text) : "";
  if (extra && extra.suggestions && extra.suggestions.length) {
    el.insertAdjacentHTML("beforeend", "<div>" + extra.suggestions.map((s) => `<button type="button" class="sugg">${esc(s)}</button>`).join("") + "</div>");
    el.querySelectorAll("button.sugg").forEach((b) => b.addEventListener("click", () => {
      const input = { destination: $("#destination"), via: $("#via") }[extra.field] || $("#origin");
      input.value = b.textContent; delete input.dataset.query; el.hidden = true;
    }));
  }
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
  if (isGeneralized() && $("#vot").value !== "") n++;
  if (isGeneralized() && $("#carbon").value !== "") n++;
  n += parseCodes($("#avoid-countries").value).length;
  n += document.querySelectorAll("#passages input:checked").length;
  $("#options-count").hidden = n === 0;
  $("#options-count").textContent = `${n} set`;
}
for (const id of ["#via", "#vot", "#carbon", "#avoid-countries"]) $(id).addEventListener("input", updateOptionsCount);
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
countriesReady.then((g) => renderCountryList(countryEntries(g)))
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
  if ($("#via").value.trim()) q.append("via", placeValue($("#via")));
  if (isGeneralized()) {
    if ($("#vot").value !== "") q.set("value_of_time", $("#vot").value);
    if ($("#carbon").value !== "") q.set("carbon_price", $("#carbon").value);
  }
  for (const c of parseCodes($("#avoid-countries").value)) q.append("avoid_country", c);
  document.querySelectorAll("#passages input:checked").forEach((c) => q.append("avoid_passage", c.value));
  return q;
}

async function runPlan() {
  const msg = $("#message");
  showMessage(msg, "");
  if (!$("#origin").value.trim() || !$("#destination").value.trim()) { showMessage(msg, "Enter both a start and a destination."); return; }
  for (const [id, what] of [["#vot", "Value of time"], ["#carbon", "Carbon price"]]) {
    if (isGeneralized() && !$(id).checkValidity()) { showMessage(msg, `${what}: enter a number ≥ 0 (or leave it empty for the model default).`); $("#options").open = true; return; }
  }
  $("#go").disabled = true;
  try {
    const q = planQuery();
    const plan = await api(`/api/route?${q}`, "Planning routes…");
    state.lastQuery = q;
    state.lastVia = $("#via").value.trim();
    state.plan = plan;
    renderPlan(plan, 1);
    if (plan.notes && plan.notes.length) showMessage(msg, plan.notes.join(" "), { info: true });
    revealResults();
  } catch (e) {
    const b = e.body || {};
    let field = null;
    const asked = (input) => b.query === input.value.trim() || b.query === input.dataset.query;
    if (b.query !== undefined) field = asked($("#destination")) ? "destination" : asked($("#via")) && !asked($("#origin")) ? "via" : "origin";
    let text = e.message;
    if (b.blocking && b.blocking.length) text += ` (blocking: ${b.blocking.join(", ")})`;
    showMessage(msg, text, { suggestions: b.suggestions || (b.candidates || []).map((c) => `${c.name}, ${c.country}`), field });
  } finally { $("#go").disabled = false; }
}
$("#plan-form").addEventListener("submit", (e) => { e.preventDefault(); runPlan(); });
$("#scenario").addEventListener("change", () => { if (state.plan) runPlan(); });

function revealResults() { // with the options open the results start below the fold: bring their top into view
  const panel = $(".panel"), pr = panel.getBoundingClientRect(), rr = $("#message").hidden ? $("#results").getBoundingClientRect() : $("#message").getBoundingClientRect();
  if (rr.top > pr.bottom - 140 || rr.top < pr.top) panel.scrollTop += rr.top - pr.top - 8;
}

function renderPlan(plan, selected) {
  const ol = $("#routes");
  ol.innerHTML = plan.routes.map((r) => `
    <li data-rank="${r.rank}" style="border-left-color:${MODE_COLOURS[r.main_mode] || "#999"}">
      <div class="title">${r.rank}. ${esc(r.summary)}</div>
      <div class="totals"><span><b>${fmt(r.transit_days, 1)}</b> days</span><span><b>${fmt(r.distance_km)}</b> km</span>
        <span><b>${fmt(r.cost_usd)}</b> USD</span><span><b>${fmt(r.co2_kg)}</b> kg CO₂e</span></div>
      <div class="chips">${r.countries.map((c) => `<span class="chip">${esc(c)}</span>`).join("")}
        ${r.border_crossings.length ? `<span class="chip">${r.border_crossings.length} borders</span>` : ""}
        ${r.gauge_changes.length ? `<span class="chip">${r.gauge_changes.length} gauge changes</span>` : ""}
        ${r.passages.map((p) => `<span class="chip">⚓ ${esc(p)}</span>`).join("")}</div>
    </li>`).join("");
  ol.querySelectorAll("li").forEach((li) => li.addEventListener("click", () => selectRoute(Number(li.dataset.rank))));
  const q = state.lastQuery || new URLSearchParams();
  const via = q.getAll("via").length ? ` via ${esc(state.lastVia || q.getAll("via").join(", "))}` : "";
  const gen = plan.objective === "generalized" && (q.has("value_of_time") || q.has("carbon_price"))
    ? ` (${q.has("value_of_time") ? `time ${esc(fmt(q.get("value_of_time")))} USD/TEU-day` : "default time value"}, ` +
      `${q.has("carbon_price") ? `carbon ${esc(fmt(q.get("carbon_price")))} USD/t` : "default carbon price"})` : "";
  const avoid = q.getAll("avoid_country").length ? ` · avoiding ${esc(q.getAll("avoid_country").join(", "))}` : "";
  const head = `${esc(plan.origin.name)} → ${esc(plan.destination.name)}${via} · ${esc(plan.scenario)} · optimise ${esc(plan.objective)}${gen} · ${esc(plan.quantity)}${avoid}`;
  ol.insertAdjacentHTML("afterbegin", `<div class="hint">${head}</div>`);
  selectRoute(selected || 1, true);
}

function selectRoute(rank, fit) {
  const plan = state.plan;
  if (!plan) return;
  state.selected = rank;
  document.querySelectorAll("#routes li").forEach((li) => li.classList.toggle("selected", Number(li.dataset.rank) === rank));
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
  const ends = [plan.origin, plan.destination].map((p) => ({ type: "Feature", properties: { name: p.name }, geometry: { type: "Point", coordinates: [p.lon, p.lat] } }));
  if (map.getSource("route")) {
    map.getSource("route").setData({ type: "FeatureCollection", features: feats });
    map.getSource("markers").setData({ type: "FeatureCollection", features: markers });
    map.getSource("ends").setData({ type: "FeatureCollection", features: ends });
  }
  $("#map").dataset.routeFeatures = String(feats.length);
  $("#map").dataset.markers = String(markers.length);
  if (fit) {
    const pts = feats.filter((f) => f.properties.selected).flatMap((f) => f.geometry.coordinates);
    if (pts.length) {
      const b = pts.reduce((bb, [x, y]) => [Math.min(bb[0], x), Math.min(bb[1], y), Math.max(bb[2], x), Math.max(bb[3], y)], [Infinity, Infinity, -Infinity, -Infinity]);
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 50, maxZoom: 7, duration: 0 });
    }
  }
  renderLegs(route);
  renderMapLegend(route);
}

function renderLegs(r) {
  const rows = r.legs.map((l) => `<tr><td><span class="mode-dot" style="background:${MODE_COLOURS[l.mode] || "#bbb"}"></span>${esc(l.mode)}</td>
    <td>${esc(l.from)}${l.from !== l.to ? " → " + esc(l.to) : ""}${l.detail ? `<br><small>${esc(l.detail)}</small>` : ""}</td>
    <td class="num">${l.distance_km ? fmt(l.distance_km) : ""}</td><td class="num">${fmt(l.transit_hours, 1)}</td><td class="num">${fmt(l.cost_usd)}</td></tr>`).join("");
  const marks = (r.markers || []).map((m) => `<li>${esc({ border: "border", gauge_change: "gauge change", passage: "chokepoint" }[m.kind])}: ${esc(m.name)}${m.detail ? " — " + esc(m.detail) : ""}</li>`).join("");
  $("#legs").innerHTML = `<h3>Legs of route ${r.rank}</h3><table><thead><tr><th>mode</th><th>from → to</th><th class="num">km</th><th class="num">h</th><th class="num">USD</th></tr></thead><tbody>${rows}</tbody></table>` +
    (marks ? `<h3>On the way</h3><ul class="hint">${marks}</ul>` : "");
}

function renderMapLegend(route) {
  const modes = route ? [...new Set(route.legs.map((l) => l.mode).filter((m) => MODE_COLOURS[m]))] : Object.keys(MODE_COLOURS);
  $("#map-legend").innerHTML = modes.map((m) => `<span class="item"><span class="mode-dot" style="background:${MODE_COLOURS[m]}"></span>${m}</span>`).join("") +
    `<span class="item"><span class="mode-dot" style="background:${MARKER_COLOURS.border};border-radius:50%"></span>border</span>` +
    `<span class="item"><span class="mode-dot" style="background:${MARKER_COLOURS.gauge_change};border-radius:50%"></span>gauge change</span>` +
    `<span class="item"><span class="mode-dot" style="background:${MARKER_COLOURS.passage};border-radius:50%"></span>chokepoint</span>`;
}
renderMapLegend(null);

// ------------------------------------------------------------------------------------ network layers
$("#layer-toggles").innerHTML = NET_LAYERS.map((l) => `<label><input type="checkbox" data-layer="${l.id}" ${l.on ? "checked" : ""}> ${l.label}</label>`).join("");
$("#net-legend").innerHTML = "<div>Rail gauge (mm):</div>" + Object.entries(GAUGE_COLOURS).map(([g, c]) => `<span class="item"><span class="bar" style="background:${c}"></span>${g}</span>`).join("") +
  "<div>BRI projects:</div>" + Object.entries(PROJECT_COLOURS).map(([s, c]) => `<span class="item"><span class="bar" style="background:${c}"></span>${s.replace("_", " ")}</span>`).join("");
document.querySelectorAll("#layer-toggles input").forEach((cb) => cb.addEventListener("change", refreshLayers));
let yearTimer = null;
$("#year").addEventListener("input", () => {
  const y = Number($("#year").value);
  $("#year-label").textContent = String(y);
  clearTimeout(yearTimer);
  yearTimer = setTimeout(() => { state.year = y; state.layersLoaded = {}; refreshLayers(); }, 200);
});

async function refreshLayers() {
  if (!map.getSource("net-rail")) return;
  for (const cb of document.querySelectorAll("#layer-toggles input")) {
    const id = cb.dataset.layer, layerId = `net-${id}`;
    map.setLayoutProperty(layerId, "visibility", cb.checked ? "visible" : "none");
    const key = `${id}@${state.year ?? ""}`;
    if (cb.checked && state.layersLoaded[id] !== key) {
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
async function loadScenarios() {
  try {
    const r = await api("/api/scenarios", "Loading scenarios…");
    const opts = r.scenarios.map((s) => `<option value="${esc(s.name)}" title="${esc(s.description || "")}">${esc(s.name)}</option>`).join("");
    $("#scenario").innerHTML = opts; $("#cmp-base").innerHTML = opts; $("#cmp-scenario").innerHTML = opts;
    const alt = r.scenarios.find((s) => s.name !== "baseline");
    if (alt) $("#cmp-scenario").value = alt.name;
  } catch (e) { /* baseline only */ }
}
loadScenarios();

function ramp(v, max) { // diverging: blue = faster/cheaper (negative), red = slower/dearer (positive)
  const t = Math.max(-1, Math.min(1, v / (max || 1)));
  const lerp = (a, b, u) => Math.round(a + (b - a) * u);
  const mid = [247, 247, 247], neg = [33, 102, 172], pos = [178, 24, 43];
  const [a, u] = t < 0 ? [neg, -t] : [pos, t];
  return `rgb(${lerp(mid[0], a[0], u)},${lerp(mid[1], a[1], u)},${lerp(mid[2], a[2], u)})`;
}

// the two figures the choropleth can show (fields of each /api/compare economy)
const CMP_METRICS = {
  change_pct: { title: "Change in transit time, %", col: "time %", digits: 1,
    gain: "Largest gains (transit time falls)", loss: "Largest losses (transit time rises)" },
  trade_cost_change_pct: { title: "Trade-cost change, % of trade value (ad valorem equivalent of the time change)", col: "trade cost %", digits: 2,
    gain: "Largest gains (trade cost falls)", loss: "Largest losses (trade cost rises)" },
};
const CMP_CITIES = 200; // /api/compare uses the world-200 city set

function robustMax(values) { // the 95th percentile of |v|: one outlier does not wash out the map
  const a = values.filter((v) => v != null && isFinite(v)).map(Math.abs).sort((x, y) => x - y);
  if (!a.length) return 1;
  const p = a[Math.floor(0.95 * (a.length - 1))];
  return p > 0 ? p : (a[a.length - 1] > 0 ? a[a.length - 1] : 1);
}

function paintCompare() {
  const r = state.compare;
  if (!r) return;
  const key = state.cmpMetric, m = CMP_METRICS[key];
  const vals = r.economies.map((e) => e[key]);
  const max = robustMax(vals), clipped = vals.some((v) => v != null && Math.abs(v) > max);
  for (const e of r.economies) {
    if (!e.iso3) continue;
    if (e[key] == null) map.removeFeatureState({ source: "countries", id: e.iso3 });
    else map.setFeatureState({ source: "countries", id: e.iso3 }, { value: e[key], colour: ramp(e[key], max) });
  }
  const lim = fmt(max, max < 1 ? 2 : 1), le = clipped ? "≤ " : "", ge = clipped ? "≥ " : "";
  $("#cmp-legend").dataset.metric = key;
  $("#cmp-legend").innerHTML = `<div><b>${esc(m.title)}</b> · ${esc(r.base)} → ${esc(r.scenario)}</div>` +
    `<div class="ramp" style="background:linear-gradient(to right, ${ramp(-max, max)}, ${ramp(0, max)}, ${ramp(max, max)})"></div>` +
    `<div class="ends"><span>${le}−${lim} %</span><span>0</span><span>${ge}+${lim} %</span></div>` +
    `<div class="hint tight">blue: falls · red: rises · grey-white: no change or no figure</div>`;
  const rows = r.economies.filter((e) => e[key] != null).sort((a, b) => a[key] - b[key]);
  const top = 10, gainers = rows.slice(0, top).filter((e) => e[key] < 0), losers = rows.slice(-top).reverse().filter((e) => e[key] > 0);
  const median = rows.length ? (rows[(rows.length - 1) >> 1][key] + rows[rows.length >> 1][key]) / 2 : null;
  const cell = (e, k, d) => `<td class="num${k === key ? " on" : ""}">${fmt(e[k], d)}</td>`;
  const table = (title, list) => `<h3>${title}</h3>` + (list.length ? `<table><thead><tr><th>economy</th><th class="num">days</th>` +
      `<th class="num${key === "change_pct" ? " on" : ""}">time %</th><th class="num${key === "trade_cost_change_pct" ? " on" : ""}">trade cost %</th></tr></thead><tbody>` +
      list.map((e) => `<tr><td>${esc(fixText(e.name || e.iso3))} <small>${esc(e.iso3)}</small></td>${cell(e, "change_days", 2)}${cell(e, "change_pct", 1)}${cell(e, "trade_cost_change_pct", 2)}</tr>`).join("") +
      "</tbody></table>" : `<p class="hint">none</p>`);
  $("#cmp-table").innerHTML = `<p class="hint">${fmt(r.economies.length)} economies · median ${esc(m.col)} ${fmt(median, m.digits)} %</p>` +
    table(m.gain, gainers) + table(m.loss, losers);
}

function compareProgress(base, scen, started) {
  const s = Math.round((Date.now() - started) / 1000);
  $("#cmp-progress").innerHTML = `<span class="ring small"></span><span>Computing skims for ${CMP_CITIES} cities under <b>${esc(base)}</b> and <b>${esc(scen)}</b>… ` +
    `(takes ~10&nbsp;s the first time; repeats are cached) · <span class="elapsed">${s} s</span></span>`;
}

async function runCompare() {
  const msg = $("#cmp-message"), prog = $("#cmp-progress"), btn = $("#cmp-go");
  const base = $("#cmp-base").value, scen = $("#cmp-scenario").value;
  showMessage(msg, "");
  btn.disabled = true; btn.textContent = "Comparing…";
  $("#cmp-base").disabled = $("#cmp-scenario").disabled = true;
  const started = Date.now();
  compareProgress(base, scen, started);
  prog.hidden = false;
  const tick = setInterval(() => compareProgress(base, scen, started), 1000);
  try {
    const r = await api(`/api/compare?base=${encodeURIComponent(base)}&scenario=${encodeURIComponent(scen)}`, "Comparing scenarios…");
    if (state.compare) for (const iso of Object.keys(state.compare.byIso)) map.removeFeatureState({ source: "countries", id: iso });
    const byIso = {};
    r.economies.forEach((e) => (byIso[e.iso3] = e));
    state.compare = { ...r, byIso };
    paintCompare();
  } catch (e) { showMessage(msg, e.message); }
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
  paintCompare();
}));
$("#cmp-go").addEventListener("click", runCompare);

// ------------------------------------------------------------------------------------ tabs
document.querySelectorAll(".tab").forEach((t) => t.addEventListener("click", () => {
  document.querySelectorAll(".tab").forEach((x) => x.classList.toggle("active", x === t));
  document.querySelectorAll(".pane").forEach((p) => p.classList.toggle("active", p.id === `pane-${t.dataset.tab}`));
}));
