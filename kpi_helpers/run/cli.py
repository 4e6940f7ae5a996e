"""`kpi-workbook` command: a thin layer over functions that tests call directly."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kpi_helpers.exceptions import KpiWorkbookError

_KEPT = "\n\t"  # the only control characters a message line may show as they are


def terminal_text(text: str) -> str:
    """A message for the terminal: control and format characters from files or params (escape codes
    that clear the screen or set the window title, bidi overrides) shown as \\x1b / \\u202e, never sent raw."""
    import unicodedata

    def shown(char: str) -> str:
        if char in _KEPT or unicodedata.category(char) not in ("Cc", "Cf"):
            return char
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"

    return "".join(map(shown, str(text)))


def _echo(text: str, **kw: object) -> None:
    print(terminal_text(text), **kw)  # type: ignore[call-overload]


def _cmd_list_kpis(args: argparse.Namespace) -> int:
    from kpi_helpers.spec.catalog import DOMAINS, kpi_table, load_catalog

    if args.domain and args.domain not in DOMAINS:
        print(f"unknown domain {args.domain!r}; use one of {', '.join(DOMAINS)}", file=sys.stderr)
        return 2
    table = kpi_table(load_catalog(), domain=args.domain, lang=args.lang)
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False)
    else:
        for domain, rows in table.groupby("domain", sort=False):
            print(f"\n== {domain} ({len(rows)})")
            for row in rows.itertuples(index=False):
                partners = f"  ↔ {row.partners}" if row.partners else ""
                print(f"  {row.id:<32} {row.label:<38} {row.kind:<11} {row.formula}{partners}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from kpi_helpers.compute.asof import AsOfError, parse_as_of
    from kpi_helpers.run.alerts import EXIT_USAGE
    from kpi_helpers.run.validate import validate_folder

    try:
        as_of = parse_as_of(args.as_of) if args.as_of is not None else None
    except AsOfError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    problems, checked = validate_folder(args.params, clients=_split(args.clients), as_of=as_of)
    for line in problems:
        _echo(line)
    errors = [p for p in problems if not p.startswith("warning")]
    print(
        f"{checked} params file(s) checked: {len(errors)} problem(s), {len(problems) - len(errors)} warning(s)",
        file=sys.stderr,
    )
    return 1 if errors or checked == 0 else 0


def _cmd_new_client(args: argparse.Namespace) -> int:
    from kpi_helpers.run.validate import client_data_folder, new_client

    if args.from_files:
        from kpi_helpers.run.onboard import new_client_from

        path, errors, warnings = new_client_from(
            args.name, args.from_files, params_dir=args.params, display_name=args.display_name, force=args.force
        )
        print(f"wrote {path} from {len(args.from_files)} file(s); the comments say what was guessed")
        for line in errors + [f"warning: {w}" for w in warnings]:
            _echo(line)
        print(f"validate: {len(errors)} problem(s), {len(warnings)} warning(s)", file=sys.stderr)
        return 1 if errors else 0
    path = new_client(args.name, params_dir=args.params, display_name=args.display_name, force=args.force)
    print(
        f"wrote {path} — put the client's data files in {client_data_folder(path, args.name)}/, edit the file, "
        f"then run: kpi-workbook validate --params {args.params}"
    )
    return 0


def _cmd_kpis(args: argparse.Namespace) -> int:
    from kpi_helpers.run.validate import kpi_table_for_client
    from kpi_helpers.views.display import inert_cells

    table = inert_cells(kpi_table_for_client(args.params_file, grain=args.grain, by=args.by))  # no live formulas
    if args.out:
        out = Path(args.out)
        if out.suffix == ".xlsx":
            table.to_excel(out, index=False)
        else:
            table.to_csv(out, index=False)
        print(f"wrote {len(table)} rows to {out}")
    else:
        table.to_csv(sys.stdout, index=False)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from kpi_helpers.compute.asof import AsOfError, check_not_future, parse_as_of
    from kpi_helpers.run.alerts import EXIT_USAGE, exit_code
    from kpi_helpers.run.batch import run_batch

    if args.as_of is not None:
        try:
            check_not_future(parse_as_of(args.as_of))
        except AsOfError as error:
            _echo(f"error: {error}", file=sys.stderr)
            return EXIT_USAGE

    result = run_batch(
        params_dir=args.params,
        out_dir=args.out,
        clients=_split(args.clients),
        workers=args.workers,
        timeout=args.timeout,
        lang=args.lang,
        dask=args.dask,
        progress=not args.quiet,
        pdf=args.pdf,
        as_of=args.as_of,
    )
    _echo(result.summary_text())
    if result.interrupted:
        print("interrupted", file=sys.stderr)
    # documented in kpi_helpers.run.alerts
    return exit_code(result.ok, result.interrupted, result.alerts, alerts_exit=args.alert_exit_code)


def _cmd_serve(args: argparse.Namespace) -> int:
    from kpi_helpers.run.serve import TOKEN_ENV, read_token, serve

    if args.client is not None and args.all:
        raise KpiWorkbookError("serve: give a client or --all, not both")
    if args.token is not None:
        raise KpiWorkbookError(
            f"serve: --token on the command line is visible to every user of this machine (ps); put it in "
            f"a file only you can read (--token-file FILE) or in the environment variable {TOKEN_ENV}"
        )
    return serve(
        args.client,
        port=args.port,
        lang=args.lang,
        token=read_token(args.token_file),
        ip=args.ip,
        allowed_hosts=args.allow_host,
        params_dir=args.params,
    )


def _cmd_init(args: argparse.Namespace) -> int:
    from kpi_helpers.run.workspace import init_workspace

    root = init_workspace(args.folder)
    print(f"created workspace {root} — next: cd {root} && kpi-workbook run")
    return 0


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _data_root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-root",
        default=None,
        metavar="FOLDER",
        help="folder with one data folder per client (<FOLDER>/<client>/); default: data/ next to "
        "the params folder, or data_root in params/_agency.yaml",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kpi-workbook", description="KPI Workbook: goals, KPI pairs and analysis per client."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="create an agency workspace (params/, data/, notebooks/, reports/)")
    init.add_argument("folder", help="a new or empty folder")
    init.set_defaults(func=_cmd_init)

    run = sub.add_parser("run", help="run the notebooks for every client and write reports")
    run.add_argument("--params", default="params", help="folder with <client>.yaml files (default: params/)")
    run.add_argument("--clients", help="comma-separated client ids (default: all)")
    run.add_argument("--out", default="reports", help="output folder (default: reports/)")
    run.add_argument("--workers", type=int, default=None, help="parallel clients (default: CPU count)")
    run.add_argument("--timeout", type=float, default=600, help="seconds per notebook before its kernel is killed")
    run.add_argument("--lang", choices=["nl", "en"], help="override every client's report language")
    run.add_argument("--dask", metavar="SCHEDULER", help="submit runs to a Dask cluster ('local' starts one)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument(
        "--as-of",
        default=None,
        metavar="YYYY-MM-DD",
        help="report as it was on this date: no data after it (default: the end of each client's last complete "
        "period at its grain). Exit codes: 0 ok, 1 a client failed, 2 bad option, 130 interrupted",
    )
    run.add_argument(
        "--alert-exit-code",
        action="store_true",
        help="exit 3 when every client is done but there are alerts (reports/alerts.json): for schedulers",
    )
    _data_root_option(run)
    run.add_argument(
        "--pdf",
        action="store_true",
        help="also write report.pdf per client (needs playwright and Chromium; skipped with a message if not)",
    )
    run.set_defaults(func=_cmd_run)

    val = sub.add_parser("validate", help="check params files and their data (no kernel started)")
    val.add_argument("--params", default="params")
    val.add_argument("--clients", help="comma-separated client ids (default: all)")
    val.add_argument(
        "--as-of",
        default=None,
        metavar="YYYY-MM-DD",
        help="check the data as `run --as-of` would use them (default: the end of each client's last complete period)",
    )
    _data_root_option(val)
    val.set_defaults(func=_cmd_validate)

    new = sub.add_parser("new-client", help="write params/NAME.yaml from a commented template")
    new.add_argument("name")
    new.add_argument("--params", default="params")
    new.add_argument("--display-name", default=None)
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.add_argument(
        "--from",
        dest="from_files",
        nargs="+",
        metavar="FILE",
        help="the client's export files: presets recognised, columns, separator, decimals, dates guessed",
    )
    new.set_defaults(func=_cmd_new_client)

    lst = sub.add_parser("list-kpis", help="print the KPI catalog")
    lst.add_argument("--domain")
    lst.add_argument("--lang", choices=["nl", "en"], default="en")
    lst.add_argument("--format", choices=["text", "csv"], default="text")
    lst.set_defaults(func=_cmd_list_kpis)

    srv = sub.add_parser(
        "serve", help="show a client's live dashboard with Voila (no code); without a client: every client's"
    )
    srv.add_argument(
        "client",
        nargs="?",
        default=None,
        help="client id (params/<client>.yaml) or a params file path; "
        "left out (or --all): a client list page with each client's dashboard",
    )
    srv.add_argument("--all", action="store_true", help="serve every client in --params behind a client list page")
    srv.add_argument("--params", default="params")
    srv.add_argument("--port", type=int, default=8866)
    srv.add_argument("--lang", choices=["nl", "en"])
    srv.add_argument("--ip", default="127.0.0.1")
    srv.add_argument(
        "--token-file",
        default=None,
        metavar="FILE",
        help="file holding the access token (or set KPI_WORKBOOK_SERVE_TOKEN); required when --ip is not local",
    )
    srv.add_argument("--token", default=None, help=argparse.SUPPRESS)  # refused with a message: it shows in `ps`
    srv.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name the pages may be reached at besides localhost/127.0.0.1/[::1] (repeatable; "
        "or serve_hosts in params/_agency.yaml); other Host headers are refused",
    )
    _data_root_option(srv)
    srv.set_defaults(func=_cmd_serve)

    kpis = sub.add_parser("kpis", help="write one client's KPI table (CSV/Excel) for checking by hand")
    kpis.add_argument("params_file")
    kpis.add_argument("--grain", default=None, choices=["day", "week", "month", "quarter", "year"])
    kpis.add_argument("--by", default=None, help="dimension, e.g. channel")
    kpis.add_argument("--out", default=None, help="FILE.csv or FILE.xlsx (default: stdout)")
    _data_root_option(kpis)
    kpis.set_defaults(func=_cmd_kpis)
    return parser


def main(argv: list[str] | None = None) -> int:
    from kpi_helpers.spec.agency import DATA_ROOT_ENV, set_data_root

    args = build_parser().parse_args(argv)
    before = os.environ.get(DATA_ROOT_ENV)
    try:
        if getattr(args, "data_root", None):
            set_data_root(args.data_root)  # also seen by the kernels the batch starts
        return args.func(args)
    except KpiWorkbookError as error:
        _echo(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        set_data_root(before)


if __name__ == "__main__":
    sys.exit(main())
