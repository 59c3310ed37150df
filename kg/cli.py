"""The `kg` command: parses options and calls the modules that do the work."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from kg import __version__, formats
from kg.errors import GateFailed, KGError
from kg.namespaces import DEFAULT_BASE

EXIT_FAILED_CHECK = 1  # the quality gate (or kg check) found the graph wrong
EXIT_USAGE = 2  # a bad option or a bad input: the user can fix it


class Group(click.Group):
    """Turns every failure into one line on stderr and a documented exit code: 1 when the
    quality gate fails, 2 for a usage error or bad input (click's own usage errors too)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GateFailed as e:
            if e.details:
                click.echo(e.details, err=True)
            click.echo(f"kg: error: {e}", err=True)
            ctx.exit(EXIT_FAILED_CHECK)
        except KGError as e:
            click.echo(f"kg: error: {e}", err=True)
            ctx.exit(EXIT_USAGE)
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(0)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as e:
            if os.environ.get("KG_DEBUG"):
                raise
            click.echo(f"kg: internal error: {type(e).__name__}: {e} (set KG_DEBUG=1 for the traceback)", err=True)
            ctx.exit(EXIT_USAGE)


def inputs(f):
    return click.argument("files", nargs=-1, metavar="[FILE]...")(f)


def base_option(f):
    return click.option(
        "--base",
        default=DEFAULT_BASE,
        show_default=True,
        metavar="IRI",
        help="Base IRI of the data (the ontology keeps its own namespace).",
    )(f)


def out_option(f):
    return click.option(
        "--out", "-o", type=click.Path(file_okay=False), default="build", show_default=True, help="Output folder."
    )(f)


def lexicon_option(f):
    return click.option(
        "--lexicon",
        type=click.Path(dir_okay=False),
        default=None,
        help="Lexicon TSV to use instead of the bundled one.",
    )(f)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def cli() -> None:
    """Knowledge graph of China's Overall Layout Plan for Digital China Construction.

    Reads plan reports (alternating Chinese and English paragraphs, or one
    language), extracts the plan's framework, tasks, measures, goals, guarantees
    and the entities they name, with provenance to the sentence, and writes RDF.

    \b
    Exit codes: 0 done; 1 the quality gate failed (kg build, kg check), or kg build
    skipped a report it could not read; 2 a usage error or a bad input (one line on
    stderr says which).
    """


def _complete_query(ctx, param, incomplete: str):
    """Shell completion for `kg query`: the named queries, then .rq files."""
    from click.shell_completion import CompletionItem

    from kg import query as q

    items = [CompletionItem(name, help=nq.title) for name, nq in q.library().items() if name.startswith(incomplete)]
    return [*items, CompletionItem(incomplete, type="file")]


def data_option(f):
    f = click.option("--inferred", is_flag=True, help="Also query the class memberships HermiT inferred.")(f)
    return click.option(
        "--data",
        metavar="PATH",
        default=None,
        help="A build folder or an RDF file. Default: ./build if it holds a build, else the bundled plan.",
    )(f)


def _read_build(data: str | None, inferred: bool):
    """The Data a read command reads (kg.builddir), with its notes on stderr."""
    from kg import builddir

    graph, where = builddir.load(data, inferred)
    _note_build(data, where)
    return graph


def _note_build(data: str | None, where: str) -> None:
    """Say what is read (a note when it is no build at all), and warn when the build's
    inputs changed since it was made."""
    from kg import builddir

    folder = builddir.locate(data)
    if folder is None:  # no build: the bundled plan, built in memory
        _note(f"reading {where}")
        return
    _info(f"reading {where}")
    if folder.is_dir():
        for line in builddir.changed_inputs(folder):
            click.echo(f"kg: warning: {line}", err=True)


def reasoner_option(f):
    return click.option(
        "--require-reasoner",
        is_flag=True,
        help="Fail when Java is missing, instead of skipping OWL reasoning with a warning.",
    )(f)


def strict_option(f):
    return click.option(
        "--strict",
        is_flag=True,
        help="Fail on warnings too (extraction-quality findings), not only on a graph that is wrong.",
    )(f)


def _set_verbosity(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value:
        return
    level = 1 if param.name == "verbose" else -1
    if ctx.meta.get("kg.verbosity", 0) not in (0, level):
        raise click.UsageError("give -q or -v, not both")
    ctx.meta["kg.verbosity"] = level


def verbosity_options(f):
    """-q and -v, the same on every command: -q prints nothing but the result asked for, errors
    and warnings; -v says what is read and adds detail to reports."""
    f = click.option(
        "--verbose", "-v", is_flag=True, expose_value=False, is_eager=True, callback=_set_verbosity,
        help="Say more: what is read, every node of each check, each request.",
    )(f)  # fmt: skip
    return click.option(
        "--quiet", "-q", is_flag=True, expose_value=False, is_eager=True, callback=_set_verbosity,
        help="Print nothing but the result asked for, errors and warnings.",
    )(f)  # fmt: skip


def _verbosity() -> int:
    return click.get_current_context().meta.get("kg.verbosity", 0)


def _say(text: str) -> None:
    """A report line on stdout (what was built or written); -q leaves it out."""
    if _verbosity() >= 0:
        click.echo(text)


def _note(text: str) -> None:
    """A note on stderr; -q leaves it out (warnings and errors stay)."""
    if _verbosity() >= 0:
        click.echo(f"kg: note: {text}", err=True)


def _info(text: str) -> None:
    """Detail on stderr that only -v asks for."""
    if _verbosity() > 0:
        click.echo(f"kg: {text}", err=True)


def _warn(report, table: bool = False) -> None:
    """Warnings on stderr; ``table``: the gate's table too, when stdout will not show it (-q)."""
    from kg import check

    if report.consistent is None:
        click.echo(f"kg: warning: {report.reasoner_note}", err=True)
    if report.warnings:
        if table:
            click.echo(check.format_report(report), err=True)
        click.echo(f"kg: warning: the quality gate reports {len(report.warnings)} warning(s); see the table", err=True)


@cli.command()
@verbosity_options
@inputs
@out_option
@base_option
@lexicon_option
@click.option("--skip-checks", is_flag=True, help="Skip the quality gate (reasoner, shapes, SPARQL checks).")
@reasoner_option
@strict_option
@click.option(
    "--jobs", "-j", type=click.IntRange(1, 256), default=None, metavar="N",
    help="Reports read at once, in worker processes. Default: the number of cores.",
)  # fmt: skip
@click.option("--fail-fast", is_flag=True, help="Stop at the first report that cannot be read, instead of skipping it.")
@click.option("--no-files", is_flag=True, help="Write the store and data.nq only: no other data.* and no full.*.")
@click.option(
    "--scheduler", default=None, metavar="ADDRESS",
    help="Read the reports on a Dask cluster (tcp://host:8786) instead of local processes.",
)  # fmt: skip
def build(
    files: tuple[str, ...],
    out: str,
    base: str,
    lexicon: str | None,
    skip_checks: bool,
    require_reasoner: bool,
    strict: bool,
    jobs: int | None,
    fail_fast: bool,
    no_files: bool,
    scheduler: str | None,
) -> None:
    """Build the knowledge graph from FILEs and folders of *.txt reports (default: the bundled plan).

    A report that cannot be read (not a plan, not UTF-8, empty …) is named and skipped, the
    others are built, and the exit code is 1; --fail-fast stops at the first instead (2).

    Runs the quality gate first (HermiT, SHACL shapes, SPARQL checks). A graph that
    is wrong (inconsistent, a task under two pillars, provenance off its offsets) is
    not written; extraction-quality findings are warnings, and fail only with --strict.
    Writes store/ (an Oxigraph store that query, serve and push open read-only);
    data.* (the extracted graph) and full.* (ontology plus data) as Turtle, N-Triples, TriG, N-Quads, JSON-LD and
    RDF/XML (--no-files: data.nq only); inferred.* (what the reasoner adds, in its own graph); ontology.owl
    and ontology.html; graph.html (the network view; for several plans, their index,
    with each plan's view in plans/) with overview.svg and overview.png (one plan);
    summary.json
    and timings.json. On a corpus the shapes run on each report as it is read, the
    SPARQL checks on the whole, HermiT on the ontology and a sample (see the README).

    \b
    Example:
      kg build
      kg build plan-a.txt plan-b.txt --out build/ --base https://example.org/id/
    """
    from kg import build as builder
    from kg import check, corpus, stats

    notes: list[str] = []
    summary, report = builder.run(
        files, Path(out), base, lexicon, not skip_checks, require_reasoner, notes, strict,
        jobs or corpus.default_jobs(), fail_fast, not no_files, _verbosity() >= 0, scheduler,
    )  # fmt: skip
    if report is not None:
        _warn(report, table=_verbosity() < 0)
    for note in notes:
        click.echo(f"kg: warning: {note}", err=True)
    _say(f"built {len(summary['documents'])} document(s), {summary['triples']} triples → {out}/")
    status = [r["status"] for r in summary.get("timings", [])]
    if status.count("kept") or status.count("failed"):  # what a rebuild reused, what it skipped
        _say(f"reports: {status.count('read')} read, {status.count('kept')} kept from the last build, "
             f"{status.count('failed')} skipped")  # fmt: skip
    _say(stats.format_summary(summary))
    if report is not None:
        _say("")
        _say(check.format_report(report, verbose=_verbosity() > 0))
    failed = summary.get("failed", [])
    if failed:
        for f in failed:
            click.echo(f"kg: warning: skipped {f['reason']}", err=True)
        total = len(failed) + len(summary["documents"])
        message = f"{len(failed)} of {total} report(s) could not be read and were skipped; the build holds the rest"
        raise GateFailed(message, "")


@cli.command(name="check")
@verbosity_options
@inputs
@base_option
@lexicon_option
@reasoner_option
@click.option("--no-reasoner", is_flag=True, help="Run the shapes and checks only.")
@strict_option
def check_command(
    files: tuple[str, ...],
    base: str,
    lexicon: str | None,
    require_reasoner: bool,
    no_reasoner: bool,
    strict: bool,
) -> None:
    """Run the quality gate on FILEs (default: the bundled plan): HermiT, SHACL, SPARQL checks.

    Prints each failing or warning check with its count and first nodes (-v: the notes
    too, and every node). Exits with 1 when the graph is wrong (inconsistent, a violated
    shape, a failed check), and with --strict on warnings too.

    \b
    Example:
      kg check
      kg check --require-reasoner corpus/*.txt
    """
    from kg import build as builder
    from kg import check, rdf, resources

    data = builder.dataset(files, base, lexicon)
    report = check.run(data, rdf.load_ontology(resources.ontology_file()), require_reasoner, not no_reasoner)
    _warn(report, table=_verbosity() < 0)
    if report.fails(strict):
        raise check.failure(report, strict)
    _say(check.format_report(report, _verbosity() > 0))


@cli.command()
@verbosity_options
@out_option
@data_option
def docs(out: str, data: str | None, inferred: bool) -> None:
    """Write OUT/ontology.html: every class and property, with examples from the build.

    \b
    Example:
      kg docs --out build
    """
    from kg import build as builder
    from kg import docs as documenter
    from kg import export, rdf, resources

    folder = Path(out)
    builder.check_writable(folder)
    page = documenter.render(rdf.load_ontology(resources.ontology_file()), _read_build(data, inferred))
    folder.mkdir(parents=True, exist_ok=True)
    export.atomic_write(folder / "ontology.html", page.encode())
    _say(f"wrote {folder / 'ontology.html'}")


@cli.command()
@verbosity_options
@click.option("--format", "-f", "fmt", required=True, type=click.Choice(list(formats.EXPORT_FORMATS)), help="Format.")
@click.option(
    "--out",
    "-o",
    "--output",
    "output",
    type=click.Path(),
    default=None,
    help="Where to write: a file (a folder for csv); - or none: standard output.",
)
@click.option("--with-ontology", is_flag=True, help="Include the ontology (RDF formats).")
@data_option
def export(fmt: str, output: str | None, with_ontology: bool, data: str | None, inferred: bool) -> None:
    """Export the graph of a build (default: ./build) in one format.

    \b
    Example:
      kg export --format graphml -o plan.graphml      # Gephi, Cytoscape
      kg export --format csv -o neo4j/                # nodes.csv, edges.csv
      kg export --format ttl --with-ontology | head
    """
    from kg import export as exporter

    if fmt == "csv" and (not output or output == "-"):
        raise KGError(
            "--format csv writes nodes.csv and edges.csv: give a folder with -o DIR (or use csv-nodes / csv-edges)"
        )
    graph = _read_build(data, inferred)
    if with_ontology:
        from kg import rdf, resources

        graph = graph.with_ontology(rdf.load_ontology(resources.ontology_file()))
    if fmt == "csv":
        folder = Path(output)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise KGError(f"{folder}: cannot create the folder: {e.strerror}") from None
        nodes, edges = exporter.csv_tables(graph.union())
        exporter.atomic_write(folder / "nodes.csv", nodes)
        exporter.atomic_write(folder / "edges.csv", edges)
        return
    written = exporter.serialize(graph, fmt)
    if output and output != "-":  # "-" is standard output, as everywhere
        exporter.atomic_write(Path(output), written)
    else:
        sys.stdout.buffer.write(written)
        sys.stdout.flush()


@cli.command()
@verbosity_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@data_option
def stats(as_json: bool, data: str | None, inferred: bool) -> None:
    """Counts per document, per class and per pillar of a build (default: ./build).

    \b
    Example:
      kg stats
      kg stats --json --data build
    """
    import json

    from kg import stats as st

    summary = st.summarize(_read_build(data, inferred))
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        click.echo(st.format_summary(summary))


def main() -> None:
    """The `kg` command. Usage errors, like every other error, are one line on stderr."""
    try:
        code = cli.main(prog_name="kg", standalone_mode=False)
    except click.UsageError as e:
        if type(e).__name__ == "NoArgsIsHelpError":  # `kg` alone: the help, as click gives it
            click.echo(e.format_message(), err=True)
            sys.exit(EXIT_USAGE)
        where = e.ctx.command_path if e.ctx is not None else "kg"
        click.echo(f"kg: error: {e.format_message()} (`{where} --help` lists the options)", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as e:
        click.echo(f"kg: error: {e.format_message()}", err=True)
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        click.echo("kg: aborted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


@cli.command()
@verbosity_options
@click.argument("query_arg", metavar="NAME|FILE|-|SPARQL", shell_complete=_complete_query)
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="Bind a parameter of the query.")
@click.option(
    "--format",
    "-f",
    "fmt",
    default=None,
    type=click.Choice(formats.RESULT_FORMATS + formats.GRAPH_FORMATS),
    help="Results: table (on a terminal), csv (in a pipe), tsv, json, xml. Graphs: ttl, nt, nq, jsonld, rdf.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Stop the query after this long.",
)
@data_option
def query(
    query_arg: str, params: tuple[str, ...], fmt: str | None, timeout: float | None, data: str | None, inferred: bool
) -> None:
    """Run a named query, a query file, standard input (-) or SPARQL text.

    Read-only: updates, SERVICE, LOAD and FROM with a remote IRI are refused before
    anything runs. The default output is an aligned table on a terminal, CSV in a pipe.

    \b
    Example:
      kg query pillars
      kg query pillar-tasks --param pillar=dckg:DigitalSecurityBarrier
      kg query search -p q=北斗 --format json
      kg query 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
    """
    from kg import query as q
    from kg import sandbox

    text, named = q.resolve(query_arg, sys.stdin.read() if query_arg == "-" else None)
    given = q.parse_params(params)
    if named is None and given:
        raise KGError("--param needs a named query or a query file that declares its parameters")
    bindings = q.bind(named, given)
    store, source = q.load_store(data, inferred)
    _note_build(data, source)
    sandbox.deny_network()  # from here on this process opens no network socket, whatever the query
    result = q.run(store, text, bindings, timeout)
    fmt = fmt or ("ttl" if result.kind == "graph" else "table" if sys.stdout.isatty() else "csv")
    sys.stdout.buffer.write(q.format_result(result, fmt))
    sys.stdout.flush()


@cli.command()
@verbosity_options
def queries() -> None:
    """List the named queries, with their titles and parameters.

    \b
    Example:
      kg queries
    """
    from kg import query as q
    from kg.table import render

    rows = []
    for name, nq in q.library().items():
        params = ", ".join(f"{p.name}={p.default}" for p in nq.params)
        rows.append([name, nq.title, nq.title_zh, params])
    click.echo(render(["name", "title", "标题", "parameters (default)"], rows))


@cli.command()
@verbosity_options
@data_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to bind; the default serves this machine only."
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option(
    "--timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Per-query time limit.",
)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 256),
    metavar="N",
    help="Query worker processes, each holding the store [default: the number of cores].",
)
@click.option(
    "--memory",
    default=2048,
    show_default=True,
    type=click.IntRange(0, None),
    metavar="MB",
    help="Memory each worker may add to hold a query's working data (0: no limit).",
)
@click.option(
    "--queue",
    default=None,
    type=click.IntRange(1, 100_000),
    metavar="N",
    help="Requests that may wait for a busy worker; past that, 503 with Retry-After [default: 32 per worker].",
)
@click.option(
    "--cors",
    multiple=True,
    metavar="ORIGIN",
    help="Let pages from ORIGIN read the answers (repeatable; * for any). Default: none, so a web page "
    "you visit cannot query the endpoint on your machine.",
)
@click.option("--access-log", is_flag=True, help="Print one line per request on standard error.")
@click.option(
    "--idle-timeout", "idle", default=10.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS", help="Close a connection silent this long before its first request (half that after).",
)  # fmt: skip
def serve(
    data: str | None,
    inferred: bool,
    host: str,
    port: int,
    timeout: float,
    workers: int | None,
    memory: int,
    queue: int | None,
    cors: tuple[str, ...],
    access_log: bool,
    idle: float,
) -> None:
    """Serve a read-only SPARQL 1.1 endpoint at /sparql and a query page at /.

    GET, HEAD and POST (form or application/sparql-query); results as SPARQL JSON,
    XML, CSV or TSV and graphs as Turtle, RDF/XML, N-Triples, N-Quads or JSON-LD, by
    the Accept header; default-graph-uri and named-graph-uri for the graphs it holds;
    a service description; CORS when --cors names origins. Updates are refused (403),
    SERVICE and remote FROM too (400). Queries run in a pool of worker processes with
    the network denied: one past its time or memory limit gets 503 and its worker is
    replaced, while the others keep answering; past --queue waiting requests, 503.

    \b
    Example:
      kg serve                      # http://127.0.0.1:8000/
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 3' http://127.0.0.1:8000/sparql
    """
    from kg import query as q
    from kg import serve as server
    from kg.workers import default_size

    store, source = q.load_store(data, inferred)
    _note_build(data, source)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"kg: warning: serving on {host}: other machines can reach this endpoint", err=True)
    # The build's own view and description; none when the data is an RDF file of its own.
    folder = Path(data) if data and Path(data).is_dir() else None if data else Path("build")
    workers = workers or default_size()
    if _verbosity() >= 0:
        click.echo(
            f"serving {source} at http://{host}:{port}/ (SPARQL endpoint: /sparql) with {workers} query worker"
            f"{'s' if workers != 1 else ''}; Ctrl-C stops",
            err=True,
        )
    settings = server.Settings(
        host=host,
        port=port,
        timeout=timeout,
        workers=workers,
        memory_mb=memory,
        queue=queue or 0,
        cors=cors,
        access_log=access_log or _verbosity() > 0,  # -v: a line per request
        idle=idle,
        quiet=_verbosity() < 0,
    )
    server.serve(store, settings, folder / "graph.html" if folder is not None else None, q.store_path(data, inferred))


@cli.command()
@verbosity_options
@click.option("--endpoint", required=True, metavar="URL", help="The store's Graph Store Protocol URL.")
@click.option("--graph", "graph_iri", default=None, metavar="IRI", help="Put everything into this one named graph.")
@click.option("--user", default=None, metavar="NAME:PASSWORD", help="HTTP basic authentication.")
@click.option(
    "--token", default=None, envvar="KG_PUSH_TOKEN", metavar="TOKEN", help="Bearer token (or $KG_PUSH_TOKEN)."
)
@click.option(
    "--data", metavar="PATH", default=None, help="A build folder or RDF file (default: ./build, else the bundled plan)."
)
@click.option(
    "--timeout",
    default=120.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Time for each request, whole.",
)
def push(
    endpoint: str, graph_iri: str | None, user: str | None, token: str | None, data: str | None, timeout: float
) -> None:
    """Put the built graph into a triple store (SPARQL 1.1 Graph Store Protocol).

    Each document's named graph (and the ontology's) is replaced whole by an HTTP
    PUT, then read back to check the store holds exactly the triples sent. A graph the
    store already holds exactly is left alone, so a push stopped part-way resumes.
    -v: a line per graph.

    \b
    Example:
      kg push --endpoint http://127.0.0.1:7878/store                       # Oxigraph
      kg push --endpoint http://localhost:3030/kg/data --user admin:secret  # Fuseki
      kg push --endpoint http://localhost:7200/repositories/kg/rdf-graphs/service  # GraphDB
    """
    from kg import push as pusher
    from kg import query as q

    if graph_iri is not None:
        graph_iri = q.checked_iri(graph_iri, "--graph")
    from kg.progress import Progress

    store, source = q.load_store(data)
    _note_build(data, source)
    total = 1 if graph_iri else len(list(store.named_graphs()))
    counts = [0, 0]  # replaced, left alone
    with Progress(total, "pushing", "graph", _verbosity() >= 0) as tick:
        for pushed in pusher.push(store, endpoint, graph_iri, user, token, timeout, tick):
            counts[not pushed.replaced] += 1
            if pushed.replaced:
                _info(f"{pushed.graph}: {pushed.stored} triples stored (sent {pushed.sent})")
            else:
                _info(f"{pushed.graph}: the store already holds these {pushed.sent} triples; left alone")
    _say(f"pushed {source} to {pusher.redact(endpoint)}: {counts[0]} graph(s) replaced, {counts[1]} already there")


@cli.command()
@verbosity_options
@out_option
@click.option(
    "--focus", default=None, metavar="TEXT", help="Show the neighbourhood of the nodes whose label holds TEXT."
)
@click.option("--depth", default=2, show_default=True, type=click.IntRange(0, 10), help="Steps out from --focus.")
@click.option(
    "--max-nodes", default=2000, show_default=True, type=click.IntRange(10, 100_000), help="Summarize past this."
)
@data_option
def viz(out: str, focus: str | None, depth: int, max_nodes: int, data: str | None, inferred: bool) -> None:
    """Write OUT/graph.html, the interactive network view, and OUT/overview.svg and .png.

    One offline file: open it from disk, no network needed. Search zh and en labels,
    filter by pillar group and class, switch labels between Chinese and English,
    click a node for its source sentence and neighbours.

    \b
    Example:
      kg viz
      kg viz --focus 北斗 --depth 2 --out build/beidou
    """
    from kg import build as builder
    from kg import export
    from kg import viz as viewer

    folder = Path(out)
    builder.check_writable(folder)
    views, notes = viewer.build_views(_read_build(data, inferred), focus, depth, max_nodes)
    folder.mkdir(parents=True, exist_ok=True)
    for name, written in views.items():
        export.atomic_write(folder / name, written)
    for note in notes:
        _note(note)
    _say(f"wrote {folder / 'graph.html'}, {folder / 'overview.svg'}, {folder / 'overview.png'}")
