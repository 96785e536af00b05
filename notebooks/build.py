"""Write the four analyst notebooks (without outputs) from the cells below.

    python notebooks/build.py

The notebooks are committed; this script is how they are edited, so that their text stays
reviewable as Python. tests/test_notebooks.py executes each one top to bottom.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent
SETUP = """from gnlc.client import Gnlc

g = Gnlc()              # settings from the environment: the embedded engine by default
report = g.load_demo()  # the bundled GNLC data; a second run changes nothing
g.summary()"""

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "01_explore_the_network.ipynb": [
        (
            "md",
            "# Explore the network\n\nMembers of the UNESCO Global Network of Learning Cities by region and "
            "year, the most connected cities and organisations, a city profile with its sources, and a "
            "neighbourhood map. Everything goes through the project's Python API (`gnlc.client.Gnlc`).",
        ),
        ("code", SETUP),
        ("md", "## Members by UNESCO region\n\nThe counts must equal those of the bundled members file."),
        (
            "code",
            """import pandas as pd

by_region = g.members_by_region()
files = ["gnlc_members.csv", "gnlc_members_added.csv"]  # the member list, and members it lacked (each row sourced)
members = pd.concat([pd.read_csv(g.settings.dataset_dir / "gnlc" / f) for f in files])
assert by_region["count"].sum() == len(members)
assert dict(zip(by_region["name"], by_region["count"], strict=True)) == members.groupby("unesco_region").size().to_dict()
by_region""",
        ),
        (
            "code",
            """ax = by_region.plot.barh(x="name", y="count", legend=False, title="GNLC member cities by UNESCO region")
ax.set_xlabel("member cities");""",
        ),
        (
            "md",
            "## Growth by year joined\n\nRows without a year are cities whose joining year the sources do not give.",
        ),
        (
            "code",
            """growth = g.members_by_year()
dated = growth.dropna(subset=["year"]).astype({"year": int})
ax = dated.plot.bar(x="year", y="joined", legend=False, title="Cities joining the GNLC, by year")
ax.set_ylabel("cities")
growth""",
        ),
        (
            "md",
            "## The most connected\n\nDegree in the partnership graph (cities and organisations, city-to-city "
            "links and partnerships). UIL, which coordinates the network, partners every member; national "
            "commissions endorse their country's members; then come the cities with most twins.",
        ),
        (
            "code",
            """top = g.top("degree", limit=10)
assert top.iloc[0]["id"] == "org-uil" and top.iloc[0]["value"] == len(members)
assert (top["label"] == "City").any()  # real city-to-city links, not only the coordinator
top""",
        ),
        ("code", """g.top("degree", label="Organisation", limit=5)"""),
        ("md", "## A city profile, with the source of every fact"),
        (
            "code",
            """profile = g.city("Okayama")
facts = g.city_facts("Okayama")
assert profile.awards[0].year == 2017 and facts["source_url"].notna().all()
facts""",
        ),
        ("md", "## A neighbourhood map\n\nUIL is shown but not walked through (it partners every member)."),
        (
            "code",
            """sub = g.neighbourhood("Okayama", depth=2)
g.show(sub)""",
        ),
    ],
    "02_find_partners.ipynb": [
        (
            "md",
            "# Find partners for a city\n\nRanked peer partners with their reasons, for a member city with "
            "twins (Okayama) and for a member with none yet (Phayao), the brokers who could introduce two cities, "
            "and a map of Bangkok's candidates.",
        ),
        ("code", SETUP),
        (
            "md",
            "## A member city\n\nEach candidate's score is the sum of its reasons' contributions; the "
            "weights are documented in docs/questions.md (Recommendations: the score) and adjustable "
            "per call.",
        ),
        (
            "code",
            """rec = g.recommend("Okayama", limit=10)
assert (rec["reasons"].str.len() > 0).all()
assert not set(rec["city"]) & set(g.links("Okayama")["city"])  # never a city it is already linked to
assert rec.iloc[0]["city"] == "jp-taku"  # the other Japanese member: a shared ministry, 384 km away
rec""",
        ),
        (
            "md",
            "## A member with no link yet: Phayao\n\nWith no partner city to start from, the candidates come "
            "from context: the countries Thai cities already twin with, and nearness.",
        ),
        (
            "code",
            """assert g.links("Phayao").empty
cold = g.recommend("Phayao", limit=5)
assert (cold["reasons"].str.len() > 0).all()
cold[["rank", "name", "country", "score", "reasons"]]""",
        ),
        (
            "md",
            "## Who could introduce them\n\nBrokers are cities and organisations linked to both; UIL and the "
            "national commissions, which partner nearly everyone, are left out unless asked for.",
        ),
        (
            "code",
            """brokers = g.brokers("Bangkok", "Chiang Mai")
assert len(brokers) and (brokers["label"] == "City").all()
brokers""",
        ),
        (
            "md",
            "## A map of the candidates\n\nCandidates are drawn apart from the city's existing links (dashed "
            "lines); their tooltips carry the reasons.",
        ),
        ("code", """g.show(g.map("recommendations", "Bangkok"))"""),
    ],
    "03_links_over_time_and_export.ipynb": [
        (
            "md",
            "# The network over time, and export\n\nThe network as it was in 2016, 2019, 2022 and 2024 (members "
            "joined by then, links and partnerships active then), and a subgraph exported to GEXF and GraphML "
            "and read back with networkx.",
        ),
        ("code", SETUP),
        (
            "code",
            """import pandas as pd

years = [2016, 2019, 2022, 2024]
snapshots = {y: g.map("network", year=y) for y in years}
table = pd.DataFrame([{"year": y, "cities": sum(n.label == "City" for n in s.nodes), "edges": len(s.edges)}
                      for y, s in snapshots.items()])
growth = g.members_by_year().dropna(subset=["year"])
for y in years:  # members joined by then = the running total of the growth table
    assert table.set_index("year").loc[y, "cities"] == growth[growth["year"] <= y]["joined"].sum()
assert table["cities"].is_monotonic_increasing
table""",
        ),
        (
            "code",
            """from IPython.display import HTML, display

cells = "".join(
    f'<div style="flex:1;min-width:300px"><b>{y}</b>{g.show(snapshots[y], height=320).data}</div>' for y in years)
display(HTML(f'<div style="display:flex;gap:8px;flex-wrap:wrap">{cells}</div>'))""",
        ),
        ("md", "## Export a subgraph and read it back"),
        (
            "code",
            """import tempfile
from pathlib import Path

import networkx as nx

sub = g.map("country", "Republic of Korea")
out = Path(tempfile.mkdtemp())
gexf = nx.read_gexf(g.export(sub, out / "korea.gexf"))
graphml = nx.read_graphml(g.export(sub, out / "korea.graphml"))
assert gexf.number_of_nodes() == graphml.number_of_nodes() == len(sub.nodes)
assert gexf.number_of_edges() == graphml.number_of_edges() == len(sub.edges)
print(gexf.number_of_nodes(), "nodes,", gexf.number_of_edges(), "edges, read back from", out)
pd.Series(dict(graphml.nodes(data="name"))).head()""",
        ),
    ],
    "04_bring_your_own_data.ipynb": [
        (
            "md",
            "# Bring your own data\n\nLoad a small partnership spreadsheet, read the validation report and the "
            "resolver's decisions, then query it. The rows below are a **made-up example** (not facts): they "
            "show how names in other spellings and scripts resolve, and what a bad row looks like. They go into "
            "a separate graph, `byod_example`, so your own graph is untouched.",
        ),
        (
            "code",
            """from gnlc.client import Gnlc

g = Gnlc(graph_name="byod_example")
g.load_demo()
g.summary()""",
        ),
        ("md", "## A spreadsheet with one bad row"),
        (
            "code",
            """import tempfile
from pathlib import Path

import pandas as pd

rows = pd.DataFrame([
    {"city_a": "Medellin", "country_a": "Colombia", "city_b": "Bogota", "country_b": "Colombia", "kind": "hermanamiento", "since": 2019},
    {"city_a": "岡山市", "country_a": "日本", "city_b": "Taku", "country_b": "Japan", "kind": "peer exchange", "since": 2021},
    {"city_a": "Sorocaba", "country_a": "Brasil", "city_b": "Poseidonia", "country_b": "Atlantis", "kind": "twinning", "since": 2020},
])
rows["source_url"] = "https://example.org/made-up-example"
folder = Path(tempfile.mkdtemp())
sheet = folder / "partnerships.xlsx"
rows.to_excel(sheet, index=False)
rows""",
        ),
        (
            "code",
            """from gnlc.errors import InputError

try:
    g.load([sheet], kind="links", dry_run=True)
    raise AssertionError("the bad row should be refused")
except InputError as err:
    message = str(err)
print(message)
assert "row 4" in message and "Atlantis" in message""",
        ),
        (
            "md",
            "Nothing was written. Loading the good rows only (`keep_going=True`) writes the rejected row, with its "
            "reason, beside the file.",
        ),
        (
            "code",
            """report = g.load([sheet], kind="links", keep_going=True)
print("\\n".join(report.decisions))
assert any("岡山市" in d and "jp-okayama" in d for d in report.decisions)  # resolved through the gazetteer
assert report.files[0].loaded == 2 and len(report.files[0].rejected) == 1
g.report_frame(report)""",
        ),
        ("code", """pd.read_csv(report.files[0].rejected_file)"""),
        ("md", "## Query what was loaded"),
        (
            "code",
            """links = g.links("Okayama")
taku = links[links["name"] == "Taku"]  # beside Okayama's twins from the bundled data
assert len(taku) == 1 and taku.iloc[0]["kind"] == "peer_exchange"
links""",
        ),
        (
            "code",
            """medellin = g.links("Medellín")  # accents optional either way
bogota = medellin[medellin["name"] == "Bogotá"]
assert len(bogota) == 1 and bogota.iloc[0]["kind"] == "twinning"  # "hermanamiento" read as twinning
medellin""",
        ),
        (
            "code",
            """again = g.report_frame(g.load([sheet], kind="links", keep_going=True))
assert again[["created", "updated"]].sum().sum() == 0  # re-running a load changes nothing
again""",
        ),
    ],
}


def build() -> None:
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(
            cells=[new_markdown_cell(text) if kind == "md" else new_code_cell(text) for kind, text in cells]
        )
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    build()
