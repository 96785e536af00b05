"""The partnership questions from the command line. Each command prints tables, or the
API's JSON with --json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from gnlc.cli.context import app_context, console

if TYPE_CHECKING:
    from gnlc.explore import Explorer

JSON_OPT = typer.Option(False, "--json", help="Print the answer as JSON (the API's format).")
COUNTRY_OPT = typer.Option(None, "--country", help="Country name or ISO code, to tell homonyms apart.")
HUBS_OPT = typer.Option(
    False,
    "--include-hubs",
    help="Also through hub organisations (UIL, national commissions, "
    "any that partners most of a country or region): context, left out by default.",
)


def _explorer(ctx: typer.Context) -> Explorer:
    return app_context(ctx).explorer()


def _json(value: Any) -> None:
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    console.print_json(json.dumps(value, ensure_ascii=False))


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*("" if v is None else str(v) for v in r))
    console.print(table)


def cities(
    ctx: typer.Context,
    q: str = typer.Argument(None, help="Name in any spelling."),
    country: str = COUNTRY_OPT,
    region: str = typer.Option(None, help="UNESCO region id or name."),
    year_from: int = typer.Option(None, help="Joined in or after."),
    year_to: int = typer.Option(None, help="Joined in or before."),
    award_year: int = typer.Option(None, help="Won an award that year."),
    limit: int = typer.Option(50, help="Page size (at most 1000)."),
    offset: int = typer.Option(0, help="Rows to skip (the next page)."),
    as_json: bool = JSON_OPT,
) -> None:
    """Search and filter cities."""
    page = _explorer(ctx).cities(
        q=q,
        country=country,
        region=region,
        year_from=year_from,
        year_to=year_to,
        award_year=award_year,
        limit=limit,
        offset=offset,
    )
    if as_json:
        return _json(page)
    _table(
        f"{page.count} cities" + (f" (showing {offset + 1}-{offset + len(page.data)})" if page.data else ""),
        ["id", "name", "country", "region", "joined", "population"],
        [[c.id, c.name, c.country, c.region, c.year_joined, c.population] for c in page.data],
    )


def city(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="City id or name."),
    country: str = COUNTRY_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """A city's profile, with the source of each fact."""
    p = _explorer(ctx).profile(name, country)
    if as_json:
        return _json(p)
    c = p.city
    console.print(f"[bold]{c.name}[/] ({c.id}) - {p.country_name}, {p.region_name}", highlight=False)
    console.print(
        f"kind {c.kind or '?'} | population {c.population or '?'} ({c.population_source or 'data'}) | "
        f"status {c.status or '?'} | joined {c.year_joined or '?'} | degree {p.degree.total} "
        f"({p.degree.links} links, {p.degree.partners} partners)",
        highlight=False,
    )
    if c.wikidata_url:
        console.print(f"Wikidata: {c.wikidata_url}", highlight=False)
    for entry in c.sources:
        console.print(f"source: {entry}", highlight=False, markup=False)
    rows = [["membership", m.name, m.since, m.source_url] for m in p.memberships]
    rows += [["award", a.name, a.year, a.source_url] for a in p.awards]
    rows += [["cluster", k.name, k.role, k.source_url] for k in p.clusters]
    rows += [["partner", o.name, o.role, o.source_url or o.derivation] for o in p.partners]
    rows += [[f"link: {kind}", x.name, x.since, x.source_url] for kind, xs in p.links.items() for x in xs]
    rows += [["hosted", (h.name or h.id)[:60], h.year, h.source_url] for h in p.hosted]
    _table("facts", ["fact", "what", "year / role", "source"], rows)


def links(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="City id or name."),
    kind: list[str] = typer.Option(None, "--kind", help="Link kind (repeatable)."),
    year: int = typer.Option(None, "--as-of", help="Links active in that year."),
    country: str = COUNTRY_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """A city's city-to-city links, by kind and year."""
    rows = _explorer(ctx).links(name, kinds=kind or None, year=year, country=country)
    if as_json:
        return _json(rows)
    _table(
        f"{len(rows)} links",
        ["city", "country", "kind", "since", "until", "source"],
        [[r.city.name, r.city.country, r.link.kind, r.link.since, r.link.until, r.link.source_url] for r in rows],
    )


def path(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="First city."),
    target: str = typer.Argument(..., help="Second city."),
    via: str = typer.Option("all", help="`cities` (links only) or `all` (also organisations)."),
    max_hops: int = typer.Option(4, help="At most this many steps (1-6)."),
    kind: list[str] = typer.Option(None, "--kind", help="Link kind (repeatable)."),
    year: int = typer.Option(None, "--as-of", help="Links active in that year."),
    include_hubs: bool = HUBS_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """All shortest paths between two cities; --kind and --as-of hold on every step."""
    res = _explorer(ctx).paths(
        source, target, via=via, max_hops=max_hops, kinds=kind or None, year=year, include_hubs=include_hubs
    )
    if as_json:
        return _json(res)
    if res.note:
        console.print(res.note, highlight=False, markup=False)
    for p in res.paths:
        steps = [p.nodes[0].name or p.nodes[0].id]
        for e, n in zip(p.edges, p.nodes[1:], strict=True):
            steps.append(f"-[{e.kind or e.role or e.type}]- {n.name or n.id}")
        console.print(" ".join(str(s) for s in steps), highlight=False, markup=False)


def brokers(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="First city."),
    target: str = typer.Argument(..., help="Second city."),
    limit: int = typer.Option(20, help="At most this many brokers."),
    include_hubs: bool = HUBS_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Who could introduce two cities: cities and organisations linked to both (not hubs)."""
    res = _explorer(ctx).brokers(source, target, limit=limit, include_hubs=include_hubs)
    if as_json:
        return _json(res)
    console.print(
        f"{res.source.name} - {res.target.name}: " + ("already linked" if res.linked else "not linked"), highlight=False
    )
    if res.note:
        console.print(res.note, highlight=False, markup=False)
    _table(
        f"{len(res.brokers)} brokers",
        ["broker", "kind", "score", "partners", "why"],
        [[b.node.name, b.node.label, b.score, b.degree, b.text] for b in res.brokers],
    )


def recommend(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="City id or name."),
    limit: int = typer.Option(10, help="Candidates (at most 100)."),
    weight: list[str] = typer.Option(None, "--weight", help="FEATURE=VALUE, e.g. mentor=0 (repeatable)."),
    include_non_members: bool = typer.Option(False, help="Also cities outside the network."),
    include_hubs: bool = HUBS_OPT,
    country: str = COUNTRY_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Peer partners to approach, with reasons and who could introduce them."""
    from gnlc.errors import InputError
    from gnlc.recommend import recommend as run
    from gnlc.schemas import Weights

    values: dict[str, float] = {}
    for w in weight or []:
        key, _, val = w.partition("=")
        if key not in Weights.model_fields:
            raise InputError(
                f"--weight: expected FEATURE=VALUE with FEATURE one of {', '.join(Weights.model_fields)}, got {w!r}"
            )
        try:
            values[key] = float(val)
        except ValueError:
            raise InputError(f"--weight {key}: expected a number, got {val!r}") from None
    try:
        weights = Weights(**values)
    except ValueError as exc:
        raise InputError(f"--weight: {exc}") from None
    rec = run(
        _explorer(ctx),
        name,
        weights=weights,
        limit=limit,
        members_only=not include_non_members,
        include_hubs=include_hubs,
        country=country,
    )
    if as_json:
        return _json(rec)
    console.print(f"partners for [bold]{rec.city.name}[/] ({rec.considered} candidates scored)", highlight=False)
    for note in rec.notes:
        console.print(f"  note: {note}", highlight=False, markup=False)
    for i, c in enumerate(rec.candidates, 1):
        console.print(f"{i:>2}. [bold]{c.city.name}[/] ({c.city.country}) score {c.score}", highlight=False)
        for r in c.reasons:
            console.print(f"      +{r.contribution:<6} {r.text}", highlight=False, markup=False)
        for b in c.brokers:
            console.print(f"      via   {b.text}", highlight=False, markup=False)


def stats(
    ctx: typer.Context,
    what: str = typer.Argument("summary", help="summary, region, country, year, awards, centrality, communities"),
    metric: str = typer.Option("degree", help="degree, betweenness or pagerank (centrality)."),
    scope: str = typer.Option("partnerships", help="`cities` or `partnerships`."),
    limit: int = typer.Option(20, help="How many: the most central (centrality), the largest (communities)."),
    as_json: bool = JSON_OPT,
) -> None:
    """Network analytics: counts, growth, centrality, communities."""
    from gnlc.analytics import Analytics, as_metric, as_scope
    from gnlc.errors import InputError

    an = Analytics(_explorer(ctx))
    if what == "summary":
        s = an.stats(as_scope(scope))
        return (
            _json(s) if as_json else _table(f"network ({scope})", list(s.model_dump()), [list(s.model_dump().values())])
        )
    if what in ("region", "country"):
        rows = an.members_by_region() if what == "region" else an.members_by_country()
        return (
            _json(rows)
            if as_json
            else _table(f"members by {what}", [what, "name", "cities"], [[r.key, r.name, r.count] for r in rows])
        )
    if what == "year":
        growth = an.members_by_year()
        return (
            _json(growth)
            if as_json
            else _table(
                "members by year joined", ["year", "joined", "total"], [[g.year, g.joined, g.total] for g in growth]
            )
        )
    if what == "awards":
        awards = an.awards()
        return (
            _json(awards)
            if as_json
            else _table(
                "award laureates", ["year", "city", "country"], [[a["year"], a["name"], a["country"]] for a in awards]
            )
        )
    if what == "centrality":
        top = an.top(as_metric(metric), scope=as_scope(scope), limit=limit)
        return (
            _json(top)
            if as_json
            else _table(
                f"top {limit} by {metric} ({scope})",
                ["id", "kind", "name", metric],
                [[t.id, t.label, t.name, t.value] for t in top],
            )
        )
    if what == "communities":
        com = an.communities(scope=as_scope(scope), limit=limit)
        return (
            _json(com)
            if as_json
            else _table(
                "communities (Louvain)",
                ["id", "size", "most connected"],
                [[c.id, c.size, ", ".join(c.names)] for c in com],
            )
        )
    raise InputError(f"stats: expected summary, region, country, year, awards, centrality or communities, got {what!r}")


def eligibility(
    ctx: typer.Context,
    name: str = typer.Argument(
        ..., help="City id or name (in the graph), or the name of a submitted profile with --population..."
    ),
    country: str = COUNTRY_OPT,
    population: int = typer.Option(None, help="Submit a profile: inhabitants."),
    elected_council: bool = typer.Option(
        None, "--elected-council/--no-elected-council", help="Submit a profile: governed by an elected council."
    ),
    mayor_endorsed: bool = typer.Option(
        None, "--mayor-endorsed/--no-mayor-endorsed", help="Submit a profile: endorsed by the mayor."
    ),
    kind: str = typer.Option(None, help="municipality, village, town, community..."),
    as_json: bool = JSON_OPT,
) -> None:
    """Membership eligibility: each rule's verdict and the evidence used."""
    from gnlc.eligibility import check_city, check_profile
    from gnlc.schemas import ProfileInput

    submitted = any(v is not None for v in (population, elected_council, mayor_endorsed, kind))
    if submitted:
        res = check_profile(
            ProfileInput(
                name=name,
                country=country,
                population=population,
                elected_council=elected_council,
                mayor_endorsed=mayor_endorsed,
                kind=kind,
            )
        )
    else:
        res = check_city(_explorer(ctx), name, country)
    if as_json:
        return _json(res)
    console.print(f"[bold]{res.city}[/]: {res.verdict}", highlight=False)
    _table(
        "rules",
        ["rule", "verdict", "evidence", "source"],
        [[r.rule, r.verdict, r.evidence, r.source] for r in res.rules],
    )


def export(
    ctx: typer.Context,
    output: Path = typer.Option(..., "-o", "--output", help="File: .graphml, .gexf, .zip (CSV) or .json."),
    scope: str = typer.Option("whole", help="whole, neighbourhood, paths, brokers or recommendations."),
    city: str = typer.Option(None, help="The city (all scopes but whole)."),
    target: str = typer.Option(None, help="Second city (paths, brokers)."),
    depth: int = typer.Option(1, help="Neighbourhood depth (1 or 2)."),
    fmt: str = typer.Option(None, "--format", help="graphml, gexf, csv or json (default: from the suffix)."),
) -> None:
    """Export the graph or a subgraph for Gephi, networkx or a spreadsheet."""
    from gnlc.export import write
    from gnlc.subgraphs import subgraph

    sub = subgraph(_explorer(ctx), scope, city=city, target=target, depth=depth)
    write(sub, output, fmt)
    console.print(f"wrote {output}: {len(sub.nodes)} nodes, {len(sub.edges)} edges", highlight=False)


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port."),
    workers: int = typer.Option(1, help="Worker processes."),
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs). Starts the embedded engine first."""
    import uvicorn

    settings = app_context(ctx).settings
    if settings.engine == "embedded":
        from gnlc.graph.embedded import EmbeddedEngine

        EmbeddedEngine(settings.engine_dir).ensure_running()
    console.print(f"serving the GNLC API on http://{host}:{port} (docs: /docs)", highlight=False)
    # SIGTERM: requests in flight get 5 s, then uvicorn cancels them and stops (without the bound a
    # slow client or a long request kept the server up without end)
    uvicorn.run(
        "gnlc.api.asgi:app", host=host, port=port, workers=workers, log_level="info", timeout_graceful_shutdown=5
    )


def map(
    ctx: typer.Context,  # noqa: A001 - the command is `gnlc map`
    kind: str = typer.Argument(
        ...,
        help="neighbourhood, paths, recommendations (NAME: a city), cluster, "
        "region, country (NAME: which one) or network.",
    ),
    name: str = typer.Argument(None, help="The city, cluster, region or country."),
    output: Path = typer.Option(..., "-o", "--output", help="The .html file to write."),
    target: str = typer.Option(None, help="Second city (paths)."),
    depth: int = typer.Option(1, help="Neighbourhood depth (1 or 2)."),
    year: int = typer.Option(None, "--year", help="The year the page's slider starts at (all years are in it)."),
    size_by: str = typer.Option("degree", help="degree, betweenness or pagerank."),
    geo: bool = typer.Option(False, "--geo", help="Cities at their coordinates."),
    hub_degree: int = typer.Option(200, help="Leave out organisations with more partner cities (0: keep all)."),
) -> None:
    """Write an interactive map (one self-contained HTML file, works offline)."""
    from gnlc.maps import write as write_map
    from gnlc.subgraphs import map_subgraph

    city = name if kind in ("neighbourhood", "paths", "recommendations") else None
    ex = _explorer(ctx)
    sub = map_subgraph(
        ex,
        kind,
        city=city,
        target=target,
        depth=depth,
        year=year if kind == "neighbourhood" else None,  # other maps hold every year: a slider
        name=None if city else name,
        hub_degree=hub_degree or None,
    )
    page = write_map(sub, output, size_by=size_by, geo=geo, kind=kind, year=year, hubs=ex.hubs().ids())
    console.print(f"wrote {output}: {page.summary()}", highlight=False)
