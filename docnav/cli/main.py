"""The root `docnav` app: the product commands from their modules, `bench` loaded on demand."""

from __future__ import annotations

from typing import Annotated

import click
import typer
from typer.core import TyperGroup

from docnav import __version__
from docnav.cli import ask, index, read, serve, store, synth
from docnav.cli.common import console


class _LazyBenchGroup(TyperGroup):
    """Imports the `bench` sub-app (the benchmark package and what it pulls in) only when
    `docnav bench ...` runs or help lists it, so `docnav documents` stays light."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        return names if "bench" in names else [*names, "bench"]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "bench" and "bench" not in self.commands:
            from docnav.cli.bench import app as bench_app

            self.add_command(typer.main.get_command(bench_app), "bench")
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    name="docnav",
    cls=_LazyBenchGroup,
    help=(
        "docnav: agentic research over SEC filings (10-K, 10-Q, 8-K, earnings releases).\n\n"
        "Ingest filings into a corpus store (structure-preserving: Items, Notes, whole tables, "
        "cross-references, numbers in canonical form, company/form/period metadata), then list "
        "and read them. Pages are stored 0-based and shown 1-based."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# no name: each module's commands join the root group, in this order in --help
for _module in (store, read, serve, ask, synth):
    app.add_typer(_module.app)
app.add_typer(index.app, name="index")


def _version(value: bool) -> None:
    if value:
        console.print(f"docnav {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """docnav command line."""
