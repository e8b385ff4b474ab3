"""End-to-end: the single-page app in real headless Chromium (Debian's `chromium`), driven by Playwright.

The server runs in a subprocess on a free loopback port. Screenshots go to artifacts/ (gitignored).
Skipped only when no `chromium` is on the PATH (.ci/run installs it).
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium; .ci/run does it)"),
    # a real browser on a loaded 2-core machine can miss a timing once; a second failure is a real failure
    pytest.mark.flaky(reruns=1),
]

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]


def shown(x: float, digits: int) -> str:
    """A number as the page's `fmt` writes it: Intl.NumberFormat rounds the shortest decimal spelling half away
    from zero (an API value of 1.505 shows as 1.51, where Python's format, on the binary value, gives 1.50)."""
    from decimal import ROUND_HALF_UP, Decimal

    return f"{Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP):,}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    code = ("import uvicorn; from beltroad.api import create_app; "
            f"uvicorn.run(create_app(), host='127.0.0.1', port={port}, log_level='warning')")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            pytest.fail(f"server exited early:\n{out[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/api/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("server did not start within 180 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


@contextmanager
def _watched_page(browser, width: int, height: int, allow_4xx: bool = False):
    """A page in a new browser context of this size; page errors and console errors fail the test at the end.

    allow_4xx: the browser's own console line for a 4xx answer does not count (tests that provoke one on purpose).
    """
    ctx = browser.new_context(viewport={"width": width, "height": height})
    try:
        pg = ctx.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" and not (allow_4xx and
              re.match(r"Failed to load resource: the server responded with a status of 4\d\d", m.text)) else None)
        yield pg
        assert not errors, f"JavaScript errors on the page: {errors}"
    finally:
        ctx.close()


def _open(pg, url: str) -> None:
    """Load the page and wait until the map is ready."""
    pg.goto(url)
    pg.wait_for_selector("#map[data-ready='1']", timeout=60_000)


def _screenshot(pg, name: str, settle_ms: int = 800) -> None:
    """artifacts/NAME after the map has had `settle_ms` to draw."""
    pg.wait_for_timeout(settle_ms)
    pg.screenshot(path=str(ARTIFACTS / name))


@pytest.fixture()
def page(browser, server):
    ARTIFACTS.mkdir(exist_ok=True)
    with _watched_page(browser, 1360, 820, allow_4xx=True) as pg:
        outside: list[str] = []
        pg.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:")) else outside.append(r.url))
        _open(pg, server + "/")
        yield pg
        assert not outside, f"the page fetched from outside the server: {outside}"


def _pick(page, field: str, text: str, expect: str) -> None:
    page.fill(f"#{field}", "")
    page.type(f"#{field}", text, delay=40)
    item = page.locator(f"#{field}-list li", has_text=expect).first
    item.wait_for(timeout=20_000)
    page.wait_for_timeout(400)  # a click on a list that has only just appeared is taken as aimed elsewhere
    item.click()
    assert expect in page.input_value(f"#{field}")


def _pick_trip(page, origin: tuple[str, str] = ("Chongq", "Chongqing"),
               destination: tuple[str, str] = ("Duisb", "Duisburg")) -> None:
    """Pick both ends from their suggestion lists: (what is typed, the suggestion to click) each."""
    _pick(page, "origin", *origin)
    _pick(page, "destination", *destination)


def _wait_until_asked(page, held: list, path: str) -> None:
    """Up to 5 s for the page to ask `path`, whose answer a `page.route` handler holds back in `held`."""
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, f"the page did not ask {path}"


def _route_features(page) -> int:
    return int(page.get_attribute("#map", "data-route-features") or 0)


def test_plan_a_trip(page):
    _pick_trip(page)
    page.click("#go")
    page.wait_for_selector("#routes li", timeout=60_000)
    assert page.locator("#routes li").count() >= 1
    assert "Chongqing → Duisburg" in page.inner_text("#plan-head")
    assert page.locator("#legs table tbody tr").count() >= 2
    assert _route_features(page) > 0
    # the map source holds the drawn legs
    n = page.evaluate("() => window.beltroad.map.getSource('route')._data.features.length")
    assert n == _route_features(page)
    _screenshot(page, "plan-chongqing-duisburg.png")
    # the default asks for 3 routes and this trip has them: picking the second marks it selected
    assert page.locator("#routes li").count() >= 2
    page.locator("#routes li").nth(1).click()
    assert "selected" in (page.locator("#routes li").nth(1).get_attribute("class") or "")


def test_switch_scenario_changes_route(page):
    options = page.eval_on_selector_all("#scenario option", "els => els.map(e => e.value)")
    _pick_trip(page, ("Shangh", "Shanghai"), ("Rotterd", "Rotterdam"))
    page.select_option("#mode", "sea")
    page.click("#go")
    page.wait_for_selector("#routes li", timeout=60_000)
    before = page.inner_text("#routes")
    assert "red-sea-closed" in options  # a shipped preset
    page.select_option("#scenario", "red-sea-closed")  # re-plans on change
    page.wait_for_function("() => document.querySelector('#plan-head') && "
                           "document.querySelector('#plan-head').textContent.includes('red-sea-closed')", timeout=60_000)
    after = page.inner_text("#routes")
    assert after != before
    assert "suez" not in page.locator("#routes li").first.inner_text().lower()
    _screenshot(page, "plan-scenario-red-sea-closed.png")


def _fill_trip(page, origin: str, destination: str) -> None:
    """Type both places without picking a suggestion."""
    page.fill("#origin", origin)
    page.fill("#destination", destination)


def _submit(page, origin: str, destination: str) -> None:
    """Type both places, leave the field (its suggestion list closes; no late answer reopens it), click Find routes."""
    _fill_trip(page, origin, destination)
    page.keyboard.press("Tab")
    page.click("#go")


def test_unknown_place_shows_suggestions(page):
    _submit(page, "Chongqingg", "Duisburg")
    page.wait_for_selector("#origin-error:not([hidden])", timeout=30_000)
    assert "Unknown place" in page.inner_text("#origin-error")
    assert page.get_attribute("#origin", "aria-invalid") == "true"


def test_network_layers_and_year(page):
    page.click("#tab-network")
    page.check("input[data-layer='sea']")
    page.check("input[data-layer='projects']")
    page.wait_for_function("() => window.beltroad.map.getSource('net-sea')._data.features.length > 0", timeout=60_000)
    page.wait_for_function("() => window.beltroad.map.getSource('net-rail')._data.features.length > 0", timeout=60_000)
    n_now = page.evaluate("() => window.beltroad.map.getSource('net-rail')._data.features.length")
    page.fill("#year", "2005")
    page.dispatch_event("#year", "input")
    page.wait_for_function(f"() => window.beltroad.map.getSource('net-rail')._data.features.length < {n_now}", timeout=30_000)
    _screenshot(page, "network-2005.png")


def test_compare_tab(page):
    _run_compare(page, scenario=None)  # the page's default pair
    page.screenshot(path=str(ARTIFACTS / "compare.png"))


def test_phone_width(browser, server):
    with _watched_page(browser, 390, 844) as pg:
        _open(pg, server + "/")
        box = pg.locator("#origin").bounding_box()
        assert box and box["width"] > 250
        pg.screenshot(path=str(ARTIFACTS / "phone.png"))


# ------------------------------------------------------------------------------------ plan options
def _open_options(page) -> None:
    if not page.evaluate("() => document.querySelector('#options').open"):
        page.click("#options summary")
    page.wait_for_selector("#via", state="visible")


def _route_request(page) -> dict[str, list[str]]:
    """Click "Find routes"; return the /api/route query it sent (after the answer is drawn)."""
    from urllib.parse import parse_qs, urlparse

    with page.expect_request(lambda r: "/api/route?" in r.url, timeout=10_000) as req:
        page.click("#go")
    page.wait_for_function("() => !document.querySelector('#go').disabled", timeout=60_000)
    return parse_qs(urlparse(req.value.url).query)


def _no_horizontal_overflow(page) -> None:
    over = page.evaluate("""() => [...document.querySelectorAll('.panel, .panel .pane.active *')]
        .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'auto'
                     && !['INPUT', 'SELECT'].includes(e.tagName))
        .map(e => e.id || e.className || e.tagName)""")
    assert not over, f"content wider than its box: {over}"
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_via_field_with_autocomplete(page):
    _pick_trip(page, origin=("Xi'a", "Xi'an"))
    _open_options(page)
    page.type("#via", "Bak", delay=40)
    item = page.locator("#via-list li", has_text=re.compile(r"^Baku\s*AZE")).first
    item.wait_for(timeout=20_000)
    page.wait_for_timeout(400)
    item.click()
    assert page.input_value("#via").startswith("Baku")
    assert "1 set" in page.inner_text("#options summary")
    q = _route_request(page)
    assert q["via"] == ["baku"]  # the picked place's node id, like origin and destination
    page.wait_for_selector("#routes li", timeout=60_000)
    assert "AZE" in page.evaluate("() => window.beltroad.state.plan.routes[0].countries")
    assert "via Baku" in page.inner_text("#plan-head")
    _screenshot(page, "plan-via-baku.png")


def test_via_unknown_place_is_named(page):
    _fill_trip(page, "Chongqing", "Duisburg")
    _open_options(page)
    page.fill("#via", "Almatyy")
    page.keyboard.press("Tab")
    page.click("#go")
    page.wait_for_selector("#via-error:not([hidden])", timeout=30_000)
    assert "Unknown place 'Almatyy'" in page.inner_text("#via-error")
    sugg = page.locator("#via-error button.sugg", has_text="Almaty").first
    sugg.wait_for(timeout=5_000)
    # a suggestion for the via place fills the via field, not origin / destination, and runs the search again
    with page.expect_request(lambda r: "/api/route?" in r.url, timeout=10_000) as req:
        sugg.click()
    assert page.input_value("#via").startswith("Almaty,")
    assert page.input_value("#origin") == "Chongqing" and page.input_value("#destination") == "Duisburg"
    from urllib.parse import parse_qs, urlparse
    assert parse_qs(urlparse(req.value.url).query)["via"] == ["Almaty, KZ"]
    page.wait_for_selector("#routes li", timeout=60_000)
    assert "KAZ" in page.evaluate("() => window.beltroad.state.plan.routes[0].countries")


def test_generalized_cost_inputs(page):
    _pick_trip(page)
    _open_options(page)
    assert page.is_disabled("#vot") and page.is_disabled("#carbon")  # only used for generalised cost
    assert page.is_visible("#gen-note")
    page.select_option("#optimize", "generalized")
    assert page.is_enabled("#vot") and page.is_enabled("#carbon")
    assert not page.is_visible("#gen-note")
    page.fill("#alternatives", "1")
    page.fill("#vot", "0")
    page.fill("#carbon", "80")
    q = _route_request(page)
    assert q["optimize"] == ["generalized"] and q["value_of_time"] == ["0"] and q["carbon_price"] == ["80"]
    page.wait_for_selector("#routes li", timeout=60_000)
    slow = page.evaluate("() => window.beltroad.state.plan.routes[0]")
    assert "carbon 80 USD/t" in page.inner_text("#plan-head")
    page.fill("#vot", "20000")  # time is dear: the faster land route wins
    q = _route_request(page)
    assert q["value_of_time"] == ["20000"]
    page.wait_for_function("() => document.querySelector('#plan-head').textContent.includes('20,000 USD/TEU-day')", timeout=60_000)
    fast = page.evaluate("() => window.beltroad.state.plan.routes[0]")
    assert fast["transit_days"] < slow["transit_days"], (slow["summary"], fast["summary"])
    _screenshot(page, "plan-generalized.png")
    # back to "time": the values stay in the fields but are not sent
    page.select_option("#optimize", "time")
    q = _route_request(page)
    assert "value_of_time" not in q and "carbon_price" not in q


def test_avoid_countries_picker(page):
    _pick_trip(page)
    _open_options(page)
    page.wait_for_selector("#country-list input[value='BLR']", timeout=30_000)
    n_all = page.locator("#country-list label:visible").count()
    assert n_all > 150
    listed = page.inner_text("#country-list")
    assert "Belarus" in listed and "Ã" not in listed  # names, and no mis-decoded UTF-8 ("Ã…land")
    page.fill("#country-filter", "belar")
    assert page.locator("#country-list label:visible").count() == 1
    page.check("#country-list input[value='BLR']")
    assert page.input_value("#avoid-countries") == "BLR"
    # typed codes still work, in any case, and tick their boxes
    page.click("#avoid-countries")
    page.keyboard.press("End")
    page.keyboard.type(", rus")
    assert page.is_checked("#country-list input[value='RUS']")
    page.fill("#country-filter", "")
    assert page.locator("#country-list label:visible").count() == n_all
    q = _route_request(page)
    assert sorted(q["avoid_country"]) == ["BLR", "RUS"]
    page.wait_for_selector("#routes li", timeout=60_000)
    for countries in page.evaluate("() => window.beltroad.state.plan.routes.map(r => r.countries)"):
        assert "RUS" not in countries and "BLR" not in countries
    assert "avoiding BLR, RUS" in page.inner_text("#plan-head")
    _screenshot(page, "plan-avoid-countries.png")  # the results scrolled into view
    # unticking removes the code from the text field
    page.uncheck("#country-list input[value='BLR']")
    assert page.input_value("#avoid-countries") == "RUS"


# ------------------------------------------------------------------------------------ compare
def _run_compare(page, scenario: str | None = "red-sea-closed") -> None:
    """On the Compare tab, compare the base with `scenario` (None: the page's default) and wait for the table."""
    page.click("#tab-compare")
    if scenario is not None:
        assert scenario in page.eval_on_selector_all("#cmp-scenario option", "els => els.map(e => e.value)")
        page.select_option("#cmp-scenario", scenario)
    page.click("#cmp-go")
    _wait_compare(page)


def _wait_compare(page) -> None:
    """Until the compare run ends; it must end in a table, not a message."""
    page.wait_for_function("() => !document.querySelector('#cmp-go').disabled && "
                           "(document.querySelector('#cmp-table').textContent.length > 0 || "
                           "!document.querySelector('#cmp-message').hidden)", timeout=120_000)
    assert page.locator("#cmp-message").is_hidden(), page.inner_text("#cmp-message")
    assert page.locator("#cmp-table tbody tr").count() > 0


def test_compare_colour_toggle(page):
    _run_compare(page)
    assert page.get_attribute("#cmp-legend", "data-metric") == "change_pct"
    assert "transit time" in page.inner_text("#cmp-legend")
    # an economy whose two figures differ: the map shows the chosen one
    e = page.evaluate("""() => window.beltroad.state.compare.economies.find(e => e.change_pct != null &&
        e.trade_cost_change_pct != null && Math.abs(e.change_pct - e.trade_cost_change_pct) > 0.01)""")
    assert e, "no economy with both figures"
    state = lambda: page.evaluate(f"() => window.beltroad.map.getFeatureState({{source: 'countries', id: '{e['iso3']}'}})")
    assert state()["value"] == pytest.approx(e["change_pct"])
    page.check("input[name='cmp-metric'][value='trade_cost_change_pct']")
    assert page.get_attribute("#cmp-legend", "data-metric") == "trade_cost_change_pct"
    assert "Trade-cost change" in page.inner_text("#cmp-legend")
    assert state()["value"] == pytest.approx(e["trade_cost_change_pct"])
    assert "trade cost" in page.inner_text("#cmp-table th.on").lower()
    _screenshot(page, "compare-trade-cost.png")
    page.check("input[name='cmp-metric'][value='change_pct']")
    assert page.get_attribute("#cmp-legend", "data-metric") == "change_pct"
    assert state()["value"] == pytest.approx(e["change_pct"])


def test_compare_progress_message(page):
    page.click("#tab-compare")
    held = []
    page.route(re.compile(r"/api/compare\?"), lambda route: held.append(route))  # hold the answer back
    page.click("#cmp-go")
    page.wait_for_selector("#cmp-progress:not([hidden])", timeout=5_000)
    text = page.inner_text("#cmp-progress")
    assert "Computing skims for 200 cities" in text and "10" in text and "s" in text
    assert page.is_disabled("#cmp-go")
    _wait_until_asked(page, held, "/api/compare")
    page.wait_for_function("() => /[1-9]\\d* s$/.test(document.querySelector('#cmp-progress .elapsed').textContent)", timeout=5_000)
    page.screenshot(path=str(ARTIFACTS / "compare-running.png"))
    assert page.is_disabled("#cmp-go")  # still running
    held[0].continue_()
    _wait_compare(page)
    assert page.is_hidden("#cmp-progress") and page.is_enabled("#cmp-go")
    page.unroute(re.compile(r"/api/compare\?"))


def test_avoid_passage_checkboxes_come_from_the_server(page, server):
    """Issue 9: the chokepoint checkboxes are the server's list (/api/scenarios `passages`), in its order; a ticked
    one is sent as `avoid_passage`, kept in the page's link and ticked again after a reload."""
    import json
    from urllib.request import urlopen

    listed = json.load(urlopen(server + "/api/scenarios", timeout=30))["passages"]
    _pick_trip(page, origin=("Shangh", "Shanghai"), destination=("Rotterd", "Rotterdam"))
    _open_options(page)
    page.wait_for_selector("#passages input[value='suez']", state="attached", timeout=30_000)
    assert page.evaluate("() => [...document.querySelectorAll('#passages input')].map(c => c.value)") == listed
    page.check("#passages input[value='suez']")
    q = _route_request(page)
    assert q["avoid_passage"] == ["suez"]
    page.wait_for_selector("#routes li", timeout=60_000)
    for passages in page.evaluate("() => window.beltroad.state.plan.routes.map(r => r.passages)"):
        assert "suez" not in passages
    page.goto(page.url)  # reload: the restored form ticks the same box, built from the server's list again
    page.wait_for_selector("#passages input[value='suez']", state="attached", timeout=30_000)
    assert page.is_checked("#passages input[value='suez']")
    assert not page.is_checked("#passages input[value='hormuz']")


def test_passage_checkboxes_follow_the_server_list(browser, server):
    """The page keeps no copy of the passages: an answer listing other passages gives other checkboxes."""
    import json

    sent: list[str] = []

    def shorter(route):
        answer = route.fetch()
        body = json.loads(answer.text())
        body["passages"] = body["passages"][::-1][:3]
        sent.extend(body["passages"])
        route.fulfill(response=answer, body=json.dumps(body))

    with _watched_page(browser, 1360, 820) as pg:
        pg.route("**/api/scenarios", shorter)
        _open(pg, server + "/")
        _open_options(pg)
        pg.wait_for_selector("#passages input", state="attached", timeout=30_000)
        assert len(sent) == 3
        assert pg.evaluate("() => [...document.querySelectorAll('#passages input')].map(c => c.value)") == sent


# ------------------------------------------------------------------------------------ layout
@pytest.mark.parametrize("width,height", [(1280, 720), (390, 844)])
def test_options_layout_fits(browser, server, width, height):
    with _watched_page(browser, width, height) as pg:
        _open(pg, server + "/")
        _open_options(pg)
        pg.select_option("#optimize", "generalized")
        pg.wait_for_selector("#country-list input", state="attached", timeout=30_000)
        _no_horizontal_overflow(pg)
        for sel in ("#via", "#vot", "#carbon", "#avoid-countries"):
            box = pg.locator(sel).bounding_box()
            assert box and box["width"] >= 120, (sel, box)
        vot, carbon = pg.locator("#vot").bounding_box(), pg.locator("#carbon").bounding_box()
        assert abs(vot["y"] - carbon["y"]) < 2  # the two number inputs line up
        pg.locator("#passages").scroll_into_view_if_needed()
        pg.screenshot(path=str(ARTIFACTS / f"options-{width}.png"))
        pg.click("#tab-compare")
        _no_horizontal_overflow(pg)
        pg.screenshot(path=str(ARTIFACTS / f"compare-tab-{width}.png"))


# ------------------------------------------------------------------------------------ issue 15: the page as people use it
# the README's screenshots are remade with BELTROAD_UPDATE_SCREENSHOTS=1; otherwise they go to artifacts/
SHOTS = ROOT / ("docs" if os.environ.get("BELTROAD_UPDATE_SCREENSHOTS") == "1" else "artifacts") / "screenshots"


def _plan(page, origin: str, destination: str) -> None:
    _submit(page, origin, destination)
    page.wait_for_selector("#routes li", timeout=60_000)


def test_combobox_keeps_the_choice_on_blur_and_pass_through_click(page):
    go = page.locator("#go").bounding_box()
    page.type("#origin", "Chongqing", delay=30)
    page.locator("#origin-list li[role=option]").first.wait_for(timeout=20_000)
    page.click("#destination")  # leave the field: the list closes, the text stays
    assert page.input_value("#origin") == "Chongqing"
    assert page.get_attribute("#origin", "aria-expanded") == "false" and page.is_hidden("#origin-list")
    page.type("#destination", "Duisburg", delay=30)
    page.locator("#destination-list li[role=option]").first.wait_for(timeout=20_000)
    # a click aimed at "Find routes" the moment the list shows must not select what is under the pointer
    page.mouse.click(go["x"] + go["width"] / 2, go["y"] + go["height"] / 2)
    assert page.input_value("#destination") == "Duisburg"
    page.click("#go")
    page.wait_for_selector("#routes li", timeout=60_000)
    plan = page.evaluate("() => window.beltroad.state.plan")
    assert plan["origin"]["name"] == "Chongqing" and plan["destination"]["name"] == "Duisburg"


def test_suggestions_ranked_with_did_you_mean(page):
    page.type("#origin", "Chengdu", delay=30)
    first = page.locator("#origin-list li[role=option]").first
    first.wait_for(timeout=20_000)
    assert first.inner_text().startswith("Chengdu")
    assert page.locator("#origin-list li.dym").count() == 0
    names = page.locator("#origin-list li[role=option]").all_inner_texts()
    assert not any(n.startswith(("Leandro", "Niono", "Buenos")) for n in names), names
    page.fill("#destination", "")
    page.type("#destination", "Duisberg", delay=30)
    page.locator("#destination-list li.dym").wait_for(timeout=20_000)
    assert "Did you mean" in page.inner_text("#destination-list")
    assert page.locator("#destination-list li[role=option]").first.inner_text().startswith("Duisburg")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#destination", "aria-activedescendant") == "destination-list-0"
    page.keyboard.press("Enter")
    assert page.input_value("#destination").startswith("Duisburg")


def test_new_query_clears_old_results_and_marks_the_field(page):
    _plan(page, "Lodz", "Chengdu")
    assert _route_features(page) > 0
    _submit(page, "Xian", "Duisberg")
    page.wait_for_selector("#destination-error:not([hidden])", timeout=30_000)
    assert page.locator("#routes li").count() == 0 and _route_features(page) == 0
    assert page.inner_text("#plan-head") == ""
    assert page.get_attribute("#destination", "aria-invalid") == "true"
    assert "--" not in page.inner_text("#destination-error")
    sugg = page.locator("#destination-error button.sugg", has_text="Duisburg").first
    sugg.click()  # picking a suggestion runs the search again
    page.wait_for_selector("#routes li", timeout=60_000)
    assert page.evaluate("() => window.beltroad.state.plan.destination.name") == "Duisburg"
    assert page.get_attribute("#destination", "aria-invalid") is None
    # the same place twice: said on the destination field
    _submit(page, "Chongqing", "Chongqing")
    page.wait_for_selector("#destination-error:not([hidden])", timeout=30_000)
    assert "same place" in page.inner_text("#destination-error")
    # TEU and Routes bounds: a message on the field, no request
    page.fill("#destination", "Duisburg")
    page.fill("#teu", "0")
    page.fill("#alternatives", "20")
    page.click("#go")
    assert "above 0" in page.inner_text("#teu-error") and "1 to 10" in page.inner_text("#alternatives-error")


def test_time_breakdown_on_cards_and_legs(page):
    _plan(page, "Chongqing", "Duisburg")
    routes = page.evaluate("() => window.beltroad.state.plan.routes")
    cards = page.locator("#routes li")
    for i, r in enumerate(routes):
        card = cards.nth(i)
        assert card.locator(".tbar span").count() >= 2
        text = card.inner_text()
        for part in ("moving", "handling", "border", "customs", "waiting", "terminal to terminal", "door to door"):
            assert part in text
        assert shown(r["terminal_to_terminal_days"], 1) in text
    legs = page.locator("#legs table.legs tbody tr")
    assert legs.count() == len(routes[0]["legs"])
    assert page.locator("#legs .lparts", has_text="border").count() >= 1


def test_barge_mode_and_trucking_limit_are_sent(page):
    _fill_trip(page, "Chongqing", "Shanghai")
    page.select_option("#mode", "inland_water")
    _open_options(page)
    page.fill("#drayage", "0")
    page.click("#go")
    assert "above 0" in page.inner_text("#drayage-error")
    page.fill("#drayage", "150")
    q = _route_request(page)
    assert q["mode"] == ["inland_water"] and q["max_drayage_km"] == ["150"]
    page.wait_for_selector("#routes li", timeout=60_000)
    modes = page.evaluate("() => window.beltroad.state.plan.routes[0].legs.map(l => l.mode)")
    assert "inland_water" in modes
    assert "max_drayage_km=150" in page.url


def test_one_gauge_change_is_singular(page):
    page.select_option("#mode", "rail")
    _plan(page, "Urumqi", "Almaty")
    r = page.evaluate("() => window.beltroad.state.plan.routes[0]")
    assert len(r["gauge_changes"]) == 1  # the China-Kazakhstan break of gauge
    text = page.locator("#routes li").first.inner_text()
    assert "1 gauge change" in text and "1 gauge changes" not in text


def test_map_labels_markers_and_tab_layers(page):
    with page.expect_response(lambda r: "/glyphs/" in r.url and r.status == 200, timeout=60_000):
        _plan(page, "Chongqing", "Duisburg")
    vis = lambda lid: page.evaluate(f"() => window.beltroad.map.getLayoutProperty('{lid}', 'visibility') || 'visible'")
    assert vis("end-labels") == "visible" and vis("net-rail") == "none"  # no background network on Plan
    ends = page.evaluate("() => window.beltroad.map.getSource('ends')._data.features.map(f => f.properties.role)")
    assert ends == ["start", "end"]
    assert page.is_visible("#map-legend")
    page.click("#tab-network")
    page.wait_for_function("() => window.beltroad.map.getLayoutProperty('net-rail', 'visibility') === 'visible'")
    assert vis("route-line") == "none" and vis("end-labels") == "none" and page.is_hidden("#map-legend")
    gauges = page.evaluate("() => window.beltroad.map.getPaintProperty('net-rail', 'line-color')")
    assert "#c0392b" not in str(gauges)  # the rail route's red is not a gauge colour
    page.click("#tab-plan")
    assert vis("route-line") == "visible" and vis("net-rail") == "none"
    # hover: a tooltip names the start; click: one popup says it
    box = page.locator("#map").bounding_box()
    x, y = page.evaluate("""() => { const m = window.beltroad.map, f = m.getSource('ends')._data.features[0];
        const p = m.project(f.geometry.coordinates); return [p.x, p.y]; }""")
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.wait_for_selector("#tip:not([hidden])", timeout=5_000)
    assert page.inner_text("#tip") == "Start: Chongqing"
    page.mouse.click(box["x"] + x, box["y"] + y)
    assert page.locator(".maplibregl-popup").count() == 1 and "Start" in page.inner_text(".maplibregl-popup")
    # one popup at a time, whatever is clicked
    for dx in (0.3, 0.5, 0.7):
        page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * 0.5)
        assert page.locator(".maplibregl-popup").count() <= 1


def test_choosing_a_route_fits_the_map_and_fewer_routes_are_noted(page):
    page.fill("#alternatives", "10")
    _plan(page, "Shanghai", "Rotterdam")
    n = page.locator("#routes li").count()
    assert n >= 2
    assert ("asked for" in page.inner_text("#message")) == (n < 10)  # fewer than asked: said, and only then
    before = page.evaluate("() => window.beltroad.map.getBounds().toArray()")
    page.locator("#routes li").nth(n - 1).click()
    after = page.evaluate("() => window.beltroad.map.getBounds().toArray()")
    assert before != after


def test_keyboard_and_screen_reader(page):
    _plan(page, "Chongqing", "Duisburg")
    assert page.get_attribute("#origin", "role") == "combobox"
    assert page.get_attribute("#origin", "aria-controls") == "origin-list"
    page.locator("#routes li").nth(0).focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.closest('#routes li') ? document.activeElement.dataset.rank : null")
    assert focused == "2"
    page.keyboard.press("Enter")
    assert page.get_attribute("#routes li[data-rank='2']", "aria-pressed") == "true"
    page.focus("#tab-plan")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("#tab-network", "aria-selected") == "true"
    assert page.get_attribute("#tab-plan", "aria-selected") == "false"
    assert page.is_visible("#pane-network")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("#tab-compare", "aria-selected") == "true"
    page.click("#tab-plan")
    small = page.evaluate("""() => [...document.querySelectorAll('.panel *')].filter(e => e.offsetParent !== null &&
        [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) && parseFloat(getComputedStyle(e).fontSize) < 12)
        .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 30))""")
    assert not small, small


def test_url_holds_the_query_and_downloads(page, server):
    _plan(page, "Chongqing", "Duisburg")
    url = page.url
    assert "origin=" in url and "destination=" in url
    with page.expect_download() as dl:
        page.click("#dl-geojson")
    import json
    g = json.loads(Path(dl.value.path()).read_text())
    assert g["type"] == "FeatureCollection" and g["features"]
    with page.expect_download() as dl:
        page.click("#dl-csv")
    head = Path(dl.value.path()).read_text().splitlines()[0]
    assert "border_hours" in head and "customs_hours" in head
    page.click("#tab-network")
    assert "tab=network" in page.url
    page.goto(page.url)  # reload: the same trip and tab
    page.wait_for_selector("#routes li", state="attached", timeout=60_000)
    assert page.get_attribute("#tab-network", "aria-selected") == "true"
    assert page.evaluate("() => window.beltroad.state.plan.destination.name") == "Duisburg"
    assert page.get_attribute("header a.docs", "href") == "/docs"


def test_year_slider_replans_the_trip(page):
    _plan(page, "Chongqing", "Duisburg")
    page.click("#tab-network")
    with page.expect_request(lambda r: "/api/route?" in r.url and "year=2005" in r.url, timeout=30_000):
        page.fill("#year", "2005")
        page.dispatch_event("#year", "input")
    page.wait_for_function("() => document.querySelector('#plan-head').textContent.includes('2005')", timeout=60_000)


def test_compare_scale_table_and_clear(page):
    _run_compare(page)
    legend = page.inner_text("#cmp-legend")
    assert "nothing clipped" in legend and "no data" in legend and "no change" in legend
    assert "days" in page.inner_text("#cmp-explain") and "time %" in page.inner_text("#cmp-explain")
    economies = page.evaluate("() => window.beltroad.state.compare.economies")
    assert page.locator("#cmp-table tbody tr").count() == len(economies)  # every economy, not a top 10
    page.click("#cmp-table button.sort[data-key='name']")
    names = page.locator("#cmp-table tbody tr td:first-child").all_inner_texts()
    assert names == page.evaluate("(n) => n.slice().sort((a, b) => a.localeCompare(b))", names)
    page.fill("#cmp-search", "china")
    assert 1 <= page.locator("#cmp-table tbody tr").count() <= 3
    with page.expect_download() as dl:
        page.click("#dl-cmp")
    assert Path(dl.value.path()).read_text().startswith("iso3,economy,change_days")
    # a country's popup does not outlive its tab
    box = page.locator("#map").bounding_box()
    x, y = page.evaluate("() => { const p = window.beltroad.map.project([66, 33.5]); return [p.x, p.y]; }")  # Afghanistan
    page.mouse.click(box["x"] + x, box["y"] + y)
    assert page.locator(".maplibregl-popup").count() == 1
    # the choropleth belongs to this tab only
    page.click("#tab-plan")
    assert page.locator(".maplibregl-popup").count() == 0
    assert page.evaluate("() => window.beltroad.map.getPaintProperty('countries-fill', 'fill-color')") == "#f7f5ef"
    page.click("#tab-compare")
    assert page.evaluate("() => typeof window.beltroad.map.getPaintProperty('countries-fill', 'fill-color')") == "object"
    page.click("#cmp-clear")
    assert page.locator("#cmp-table tr").count() == 0
    # the same scenario on both sides: said at once, nothing computed
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/api/compare?" in r.url else None)
    page.select_option("#cmp-scenario", page.input_value("#cmp-base"))
    page.click("#cmp-go")
    assert "choose two different scenarios" in page.inner_text("#cmp-message") and not asked
    assert page.evaluate("() => window.beltroad.map.getPaintProperty('countries-fill', 'fill-color')") == "#f7f5ef"


def _shot(pg, name: str) -> None:
    """A small PNG: the screenshot reduced to a 256-colour palette."""
    from PIL import Image

    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    pg.screenshot(path=str(path))
    Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)


@pytest.mark.parametrize("width,height", [(1440, 900), (390, 844)])
def test_screenshots_of_each_tab(browser, server, width, height):
    """{plan,network,compare}-{width}.png of each tab, with no console errors on the way."""
    with _watched_page(browser, width, height) as pg:
        pg.goto(server + "/?origin=chongqing&destination=duisburg&from=Chongqing&to=Duisburg")
        pg.wait_for_selector("#routes li", timeout=60_000)
        pg.wait_for_timeout(1500)
        _shot(pg, f"plan-{width}.png")
        pg.click("#tab-network")
        pg.wait_for_function("() => window.beltroad.map.getSource('net-rail')._data.features.length > 0",
                             timeout=60_000)
        pg.wait_for_timeout(1000)
        _shot(pg, f"network-{width}.png")
        _run_compare(pg, scenario=None)
        pg.wait_for_timeout(1000)
        _shot(pg, f"compare-{width}.png")


# ------------------------------------------------------------------------------------ flows (issue 13)
FLOWS_TIMEOUT_MS = 900_000  # the first assignment of a scenario: worker start, demand, equilibrium (loaded machine)
VC_COLOURS = [(0.5, "#1a9850"), (0.8, "#91cf60"), (0.9, "#fee08b"), (1.0, "#fc8d59"), (float("inf"), "#d73027")]


def _flows_api(server: str, scenario: str) -> dict:
    """What the server says for the page's request (the same parameters, so the same cached answer)."""
    import json

    url = f"{server}/api/flows?scenario={scenario}&min_teu=100"
    with urllib.request.urlopen(url, timeout=FLOWS_TIMEOUT_MS / 1000) as r:
        return json.loads(r.read())


def _wait_flows(page, scenario: str) -> None:
    page.wait_for_function("(s) => (window.beltroad.state.flows && window.beltroad.state.flows.scenario === s && "
                           "Number(document.querySelector('#map').dataset.flowFeatures) > 0) || "
                           "!document.querySelector('#flows-message').hidden", arg=scenario, timeout=FLOWS_TIMEOUT_MS)
    assert page.is_hidden("#flows-message"), page.inner_text("#flows-message")


def _bottleneck_ids(page) -> list[str]:
    return page.eval_on_selector_all("#flows-table tr[data-id]", "els => els.map(e => e.dataset.id)")


def test_flows_layer_widths_follow_teu(page, server):
    held = []
    page.route(re.compile(r"/api/flows\?"), lambda route: held.append(route))  # hold the answer: the loading state
    page.click("#tab-flows")
    page.wait_for_selector("#flows-progress:not([hidden])", timeout=5_000)
    assert "Assigning the container demand under baseline" in page.inner_text("#flows-progress")
    _wait_until_asked(page, held, "/api/flows")
    held[0].continue_()
    _wait_flows(page, "baseline")
    page.unroute(re.compile(r"/api/flows\?"))
    assert page.is_hidden("#flows-progress")
    api = _flows_api(server, "baseline")
    n = int(page.get_attribute("#map", "data-flow-features"))
    assert n == len(api["features"]) > 100
    drawn = page.evaluate("() => window.beltroad.map.getSource('flows')._data.features.map(f => "
                          "[f.properties.teu_per_year, f.properties.width_px, f.properties.colour, f.properties.volume_capacity_ratio])")
    assert len(drawn) == n
    drawn.sort(key=lambda x: x[0])
    for (t0, w0, *_), (t1, w1, *_) in zip(drawn, drawn[1:]):
        assert w1 >= w0 and (t1 == t0 or w1 > w0), (t0, w0, t1, w1)
    assert drawn[-1][1] > 4 * drawn[0][1]
    for teu, _, colour, vc in drawn:  # colour: the v/c class of the legend, grey where no capacity is set
        assert colour == ("#6f8296" if vc is None else next(c for up, c in VC_COLOURS if vc < up)), (teu, vc, colour)
    assert page.evaluate("() => window.beltroad.map.getPaintProperty('flows-line', 'line-width')") == ["get", "width_px"]
    assert page.evaluate("() => window.beltroad.map.getLayoutProperty('flows-line', 'visibility')") == "visible"
    page.wait_for_timeout(1000)
    rendered = page.evaluate("() => window.beltroad.map.queryRenderedFeatures({layers: ['flows-line']}).length")
    assert rendered > 0
    legend = page.inner_text("#flows-legend")
    assert "Volume / capacity" in legend and "TEU a year" in legend and "no capacity set" in legend
    # another tab hides the layer
    page.click("#tab-plan")
    assert page.evaluate("() => window.beltroad.map.getLayoutProperty('flows-line', 'visibility')") == "none"


def test_flows_bottleneck_list_shows_the_binding_crossings(page, server):
    page.click("#tab-flows")
    _wait_flows(page, "baseline")
    api = _flows_api(server, "baseline")
    binding = [b for b in api["bottlenecks"] if b["binding"]]
    assert binding
    assert _bottleneck_ids(page) == [b["id"] for b in api["bottlenecks"]]
    first = page.locator("#flows-table tr[data-id]").first
    assert binding[0]["name"] in first.inner_text() and shown(binding[0]["volume_capacity_ratio"], 2) in first.inner_text()
    first.click()
    assert "selected" in (first.get_attribute("class") or "")
    assert page.evaluate("() => window.beltroad.map.getFilter('flows-sel')") == ["==", ["get", "capacity_element"], binding[0]["element"]]


def test_flows_switching_scenario_changes_the_list(page, server):
    page.click("#tab-flows")
    _wait_flows(page, "baseline")
    before = _bottleneck_ids(page)
    page.select_option("#flows-scenario", "no-russia-belarus-transit")
    _wait_flows(page, "no-russia-belarus-transit")
    after = _bottleneck_ids(page)
    api = _flows_api(server, "no-russia-belarus-transit")
    assert after == [b["id"] for b in api["bottlenecks"]] and after != before
    assert "no-russia-belarus-transit" in page.inner_text("#flows-summary")
    assert "flows=no-russia-belarus-transit" in page.url and "tab=flows" in page.url
    _screenshot(page, "flows-no-russia-belarus.png", settle_ms=1000)


def test_flows_error_is_shown(page, server):
    page.goto(server + "/?tab=flows&flows=atlantis")
    page.wait_for_selector("#flows-message:not([hidden])", timeout=30_000)
    text = page.inner_text("#flows-message")
    assert "Unknown scenario 'atlantis'" in text and "baseline" in text
    assert page.get_attribute("#map", "data-flow-features") == "0" and page.is_hidden("#flows-progress")


@pytest.mark.parametrize("width,height", [(1440, 900), (390, 844)])
def test_flows_screenshot(browser, server, width, height):
    """flows-{width}.png: the Flows tab on the baseline (docs/screenshots with BELTROAD_UPDATE_SCREENSHOTS=1)."""
    with _watched_page(browser, width, height) as pg:
        _open(pg, server + "/?tab=flows&flows=baseline")
        _wait_flows(pg, "baseline")
        pg.wait_for_timeout(1500)
        _shot(pg, f"flows-{width}.png")
