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
from g60_reader.tui.cmd_news import outlets_command, reprints_command, timeline_command
from g60_reader.tui.cmd_opensearch import opensearch_group
from g60_reader.tui.cmd_workbench import COMMANDS as WORKBENCH_COMMANDS
from g60_reader.tui.options import backend_options, fail


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@backend_options
@click.pass_context
def main(ctx: click.Context, backend_url: str | None, index_dir: Path | None) -> None:
    """g60-reader: read and search Chinese news in the terminal.

    With no command it opens the reader on the default index (building the bundled
    sample article on first launch).
    """
    if ctx.invoked_subcommand is None:
        from g60_reader.index.errors import BackendError
        from g60_reader.index.registry import resolve_url
        from g60_reader.tui.app import run_app

        try:
            url = resolve_url(backend_url, index_dir)
        except BackendError as exc:
            fail(str(exc), exc.exit_code)
        run_app(url)
    elif backend_url is not None or index_dir is not None:
        # `g60-reader --index-dir DIR search ...` means the same as `search --index-dir DIR`.
        given = {"backend_url": backend_url, "index_dir": index_dir}
        ctx.default_map = {
            name: {k: v for k, v in given.items() if v is not None}
            for name, command in main.commands.items()
            if any(p.name == "backend_url" for p in command.params)
        }


for _command in (
    index_command,
    search_command,
    stats_command,
    entities_command,
    inspect_command,
    timeline_command,
    outlets_command,
    reprints_command,
    opensearch_group,
    *WORKBENCH_COMMANDS,
):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
