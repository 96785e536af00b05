"""Maps opened in real headless Chromium (Debian's `chromium`, driven with Playwright): each
kind draws, raises no console error, requests nothing from another host, shows a legend
that matches what is drawn and a search box that selects a city. Screenshots go to
tests/output/maps/."""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from gnlc.graph.store import GraphStore
from gnlc.loaders.normalise import region_of

from gnlc import maps
from gnlc.explore import Explorer
from gnlc.schemas import GEdge, GNode, Subgraph
from gnlc.settings import load_settings
from gnlc.subgraphs import map_subgraph

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from gnlc.api.app import create_app

OUT = Path(__file__).parent / "output" / "maps"
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
BLANK_JS = """() => { const c = document.querySelector('#mynetwork canvas'); const d = c.getContext('2d')
  .getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 0; i < d.length; i += 4) { if (d[i+3] > 0 && !(d[i] > 245 && d[i+1] > 245 && d[i+2] > 245)) n++; }
  return n; }"""


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("Chromium is needed for the map tests: `apt-get install chromium` (.ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        yield b
        b.close()


class Opened:
    def __init__(self, page: object, errors: list[str], requests: list[str], dialogs: list[str]) -> None:
        self.page, self.errors, self.requests, self.dialogs = page, errors, requests, dialogs


def open_map(browser: object, html: str, name: str) -> Opened:
    """Open a map from a file, wait until it is drawn and still, screenshot it."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_function("window.gnlcMap && window.gnlcMap.ready", timeout=90_000)
    page.screenshot(path=str(OUT / f"{name}.png"))
    return Opened(page, errors, requests, dialogs)


def expected_legend_rows(sub: Subgraph, geo: bool = False) -> int:
    nodes = [n for n in sub.nodes if not geo or n.props.get("latitude") is not None]
    ids = {n.id for n in nodes}
    colours = {n.region or (region_of(n.country) if n.country else None) for n in nodes}
    shapes = {maps._shape(n) for n in nodes}  # noqa: SLF001
    edges = {maps._edge_key(e) for e in sub.edges if e.source_id in ids and e.target_id in ids}  # noqa: SLF001
    return len(colours) + len(shapes) + len(edges)


MAPS = {  # name -> (kind, options, a city on the map)
    "neighbourhood": ("neighbourhood", {"city": "Cork", "depth": 2}, "Espoo"),
    "cluster": ("cluster", {"name": "Global Citizenship Education"}, "Yeonsu-gu"),
    "region": ("region", {"name": "Africa"}, "Bahir Dar"),
    "country": ("country", {"name": "Republic of Korea"}, "Suwon"),
    "network": ("network", {}, "Okayama"),
    "paths": ("paths", {"city": "Cork", "target": "Okayama"}, "Espoo"),
    "recommendations": ("recommendations", {"city": "Cork"}, "Limerick"),
    "year-2019": ("network", {"year": 2019}, "Cork"),
}


@pytest.fixture(scope="module")
def ex(loaded: GraphStore) -> Explorer:
    return Explorer(loaded)


@pytest.mark.parametrize("name", [*MAPS, "geographic"])
def test_each_map_draws_offline_with_legend_and_search(browser: object, ex: Explorer, name: str) -> None:
    kind, options, city = MAPS.get(name, ("network", {}, "Okayama"))
    geo = name == "geographic"
    sub = map_subgraph(ex, kind, **options)
    m = open_map(browser, maps.render(sub, geo=geo), name)
    assert m.errors == []
    assert [u for u in m.requests if not u.startswith(("file:", "data:", "about:"))] == []
    assert m.page.evaluate(BLANK_JS) > 500  # the canvas is not blank
    assert m.page.locator("#legend .row").count() == expected_legend_rows(sub, geo)
    assert m.page.locator("#search").is_visible()
    m.page.fill("#search", city)
    m.page.click("#find")
    selected = m.page.evaluate("() => window.gnlcMap.network.getSelectedNodes()")
    assert selected == [ex.city_id(city)]
    assert "found" in m.page.text_content("#status")
    m.page.close()


def test_small_map_settles_then_physics_stops_and_toggles(browser: object, ex: Explorer) -> None:
    m = open_map(browser, maps.render(map_subgraph(ex, "neighbourhood", city="Cork", depth=2)), "settle")
    assert m.page.evaluate("() => window.gnlcMap.physics") is False
    m.page.click("#physics")
    assert m.page.evaluate("() => window.gnlcMap.physics") is True
    assert m.page.text_content("#physics") == "Stop layout"
    m.page.close()


def test_html_in_data_is_shown_as_text(browser: object) -> None:
    evil = "<img src=x onerror=alert(1)>"
    sub = Subgraph(title=evil, nodes=[
        GNode(id="xx-evil", label="City", name=evil, country="FR", props={"source_url": "javascript:alert(2)"}),
        GNode(id="xx-ok", label="City", name="Plain", country="FR")],
        edges=[GEdge(source_id="xx-evil", target_id="xx-ok", type="LINKED_TO", kind="twinning", source=evil)])
    html = maps.render(sub)
    assert evil not in html  # every data string is escaped in the page source
    m = open_map(browser, html, "injection")
    assert m.dialogs == [] and m.errors == []
    assert m.page.evaluate("() => document.querySelectorAll('img').length") == 0
    tip = m.page.evaluate("() => window.gnlcMap.nodes.get('xx-evil').title.textContent")
    assert evil in tip
    assert m.page.text_content("#title") == evil
    m.page.close()


def test_a_large_map_opens_still_with_positions_from_python(browser: object) -> None:
    n = 2000
    nodes = [GNode(id=f"c{i}", label="City", name=f"Synthcity {i:04d}", country="FR") for i in range(n)]
    edges = [GEdge(source_id=f"c{i}", target_id=f"c{(i * 7 + 3) % n}", type="LINKED_TO", kind="twinning")
             for i in range(n)]
    html = maps.render(Subgraph(title="synthetic", nodes=nodes, edges=edges))
    assert '"enabled": false' in re.sub(r"\s+", " ", html.split("var options = ", 1)[1][:200])
    m = open_map(browser, html, "synthetic-2000")
    assert m.errors == [] and m.page.evaluate("() => window.gnlcMap.physics") is False
    assert m.page.evaluate("() => window.gnlcMap.nodes.get('c0').x") is not None
    m.page.close()


def test_maps_from_the_api(loaded: GraphStore, session_data_dir: Path) -> None:
    c = TestClient(create_app(load_settings(data_dir=session_data_dir), store=loaded))
    for url in ("/maps/neighbourhood/Cork?depth=2", "/maps/region/Africa", "/maps/country/Korea?geo=true",
                "/maps/cluster/Global%20Citizenship%20Education", "/maps/network?year=2019",
                "/maps/paths?source=Cork&target=Okayama", "/maps/recommendations/Cork?size_by=pagerank"):
        r = c.get(url)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), url
        assert "new vis.Network" in r.text and not re.search(r"(src|href)=\"https?:", r.text)
    assert c.get("/maps/region/Atlantis").status_code == 422
    assert c.get("/maps/neighbourhood/Nowhereville").status_code == 404
    assert c.get("/maps/network?size_by=fame").status_code == 422
    assert c.get("/maps/cluster/No%20Such%20Cluster").status_code == 404
