"""User key remapping: ``$G60_READER_HOME/keymap.toml`` (or the user data directory).

Every binding of the app has an id; a line ``<id> = "<keys>"`` binds that action to
other keys, for example::

    # keymap.toml
    next_hit = "ctrl+n"
    previous_hit = "ctrl+p,N"
    quit = "ctrl+q"

The ids are listed on the ``?`` help screen. Only flat ``id = "keys"`` lines are read
(a subset of TOML that needs no parser on Python 3.10); anything else is reported, one
line per problem, and ignored.
"""

from __future__ import annotations

import re
from pathlib import Path

_LINE = re.compile(r"""^\s*([A-Za-z_][\w.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')\s*(?:#.*)?$""")


def keymap_path() -> Path:
    from g60_reader.index.paths import default_home

    return default_home() / "keymap.toml"


def parse_keymap(text: str, known_ids: set[str]) -> tuple[dict[str, str], list[str]]:
    """The remappings in ``text`` and a one-line message for every line not used."""
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            problems.append(f'line {number}: expected  id = "keys"')
            continue
        binding_id, keys = match.group(1), match.group(2) or match.group(3) or ""
        keys = ",".join(k.strip() for k in keys.split(",") if k.strip())
        if binding_id not in known_ids:
            problems.append(f"line {number}: unknown binding id {binding_id!r}")
        elif not keys:
            problems.append(f"line {number}: no keys for {binding_id!r}")
        else:
            keymap[binding_id] = keys
    return keymap, problems


def load_keymap(path: Path, known_ids: set[str]) -> tuple[dict[str, str], list[str]]:
    """Read ``path`` if it exists; a missing file is no remapping, not an error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError) as error:
        return {}, [f"cannot read: {error}"]
    return parse_keymap(text, known_ids)
