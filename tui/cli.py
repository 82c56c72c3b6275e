"""The ``g60-reader`` command line.

A bare ``g60-reader`` opens the reader (the only path that imports Textual); every
subcommand stays light so that scripts start fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from g60_reader.tui.cmd_entities import entities_command
from g60_reader.tui.cmd_index import index_command, search_command, stats_command
from g60_reader.tui.cmd_inspect import inspect_command
from g60_reader.tui.cmd_opensearch import opensearch_group


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--index-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Index directory (default: $G60_READER_HOME/index or the user data directory).",
)
@click.pass_context
def main(ctx: click.Context, index_dir: Path | None) -> None:
    """g60-reader: read and search Chinese news in the terminal.

    With no command it opens the reader on the default index (building the bundled
    sample article on first launch).
    """
    if ctx.invoked_subcommand is None:
        from g60_reader.tui.app import run_app

        run_app(index_dir)
    elif index_dir is not None:
        # `g60-reader --index-dir DIR search ...` means the same as `search --index-dir DIR`.
        ctx.default_map = {name: {"index_dir": index_dir} for name in main.commands}


for _command in (
    index_command,
    search_command,
    stats_command,
    entities_command,
    inspect_command,
    opensearch_group,
):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
