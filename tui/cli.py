"""The ``g60-reader`` command line.

Only the bare command (the TUI) imports Textual; every subcommand stays light so that
scripts start fast.
"""

from __future__ import annotations

import click

from g60_reader.tui.cmd_inspect import inspect_command


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """g60-reader: read and search Chinese news in the terminal."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


main.add_command(inspect_command)


if __name__ == "__main__":  # pragma: no cover
    main()
