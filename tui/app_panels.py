"""What the reader shows over or beside the results: the entity panel (entities of the
article, or the facets of the hits: entities, outlets, years), the cluster view of a
reprinted story, the help screen and the command palette.

Split out of :mod:`g60_reader.tui.app` (which holds the search and the reader) so that
each file keeps to one idea. :class:`PanelsMixin` is mixed into ``G60App``: its methods
use the app's widgets and backend, and its message handlers go by name
(``on_entity_panel_chosen``) because Textual's ``@on`` decorator is only collected from
classes built by its metaclass. Every backend call here runs in a thread worker with a
sequence number or an exclusive group, like the searches.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from g60_reader.index.contract import SearchBackend, Story
from g60_reader.tui.screens.help import HelpScreen
from g60_reader.tui.screens.story import StoryScreen
from g60_reader.tui.widgets.entities import EntityPanel


def one_line(error: BaseException) -> str:
    """An exception as one line of at most 300 characters (for the status line)."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 300 else text[:299] + "…"


class PanelsMixin:
    """The entity panel, the cluster view, help and the palette (mixed into G60App, whose
    widgets, backend and state these methods use)."""

    # -- the entity panel --------------------------------------------------------------

    def _show_entity_panel(self, show: bool) -> None:
        self.entity_panel.display = show
        self.query_one("#main").set_class(show, "-panel-open")
        if show:
            self.entity_panel.option_list.focus()
        else:
            self.results_list.focus()

    def action_toggle_entities(self) -> None:
        if self.entity_panel.display:
            self._show_entity_panel(False)
            return
        self._show_entity_panel(True)
        self._fill_entity_panel()

    def _fill_entity_panel(self) -> None:
        panel = self.entity_panel
        results = self.results
        if results is not None and results.result is not None and results.total > 0:
            query = results.scope.query if results.scope is not None else results.query
            cached = self._facets
            if cached is not None and cached[0] == query:
                panel.show_facets(results.query, cached[1], self.script)
            elif self.backend is not None:
                panel.show_message("Counting facets…")
                self._facets_worker(self.backend, query)
            return
        stored = self.reader.stored
        if stored is not None:
            panel.show_article(stored, self.script)
            return
        panel.show_message("Search, or open an article, to see entities here.")

    @work(thread=True, exclusive=True, group="facets")
    def _facets_worker(self, backend: SearchBackend, query: str) -> None:
        try:
            facets = backend.facets(query)
        except Exception as error:
            message = f"cannot count facets: {one_line(error)}"
            self.call_from_thread(self.entity_panel.show_message, message)
            return
        self.call_from_thread(self._show_facets, query, facets)

    def _show_facets(self, query: str, facets: dict[str, list[tuple[str, int]]]) -> None:
        self._facets = (query, facets)
        results = self.results
        if results is None or results.scope is None or not self.entity_panel.display:
            return
        if results.scope.query != query:
            return
        self.entity_panel.show_facets(results.query, facets, self.script)

    def on_entity_panel_chosen(self, event: EntityPanel.Chosen) -> None:
        if not self.query_one("#results-column").display:
            self._show_entity_panel(False)  # narrow screen: make room for the results
        if event.outlet is not None:
            self.narrow_to_outlet(event.outlet)
        elif event.year is not None:
            self.narrow_to_year(event.year)
        else:
            self.search_for(event.query)

    # -- the cluster view of a story ---------------------------------------------------

    def _story_target(self) -> tuple[str | None, str | None, str]:
        """(cluster, article id, title) of the result or the open article ``r`` is about:
        the open article while the reader has focus, else the highlighted result."""
        results = self.results
        row = self.results_list.highlighted
        in_reader = self.focused is self.reader and self.reader.stored is not None
        if not in_reader and results is not None and row is not None:
            if results.result is not None and row < len(results.hits):
                hit = results.hits[row]
                return hit.cluster, hit.article_id, hit.title
            if results.result is None and row < len(results.articles):
                summary = results.articles[row]  # the listing knows no stories
                return None, summary.article_id, summary.title
        if self.reader.stored is not None:
            article = self.reader.stored.article
            return self.open_cluster, article.id, article.title
        return None, None, ""

    def action_show_story(self) -> None:
        if self.backend is None:
            return
        cluster, article_id, title = self._story_target()
        if article_id is None:
            self.status.set_message("No result or article to show the story of")
            return
        if cluster is None:
            results = self.results
            if results is not None and results.is_listing and self.focused is not self.reader:
                self.status.set_message("Search for words to see which articles are reprints")
            else:
                self.status.set_message(f"{title or 'This article'}: no reprints found")
            return
        self._story_seq += 1
        self.status.set_message("Reading the story's copies…")
        self._story_worker(self._story_seq, self.backend, cluster, article_id)

    @work(thread=True, exclusive=True, group="story")
    def _story_worker(
        self, seq: int, backend: SearchBackend, cluster: str, article_id: str
    ) -> None:
        try:
            story = backend.story(cluster)
        except Exception as error:
            message = f"cannot read the story: {one_line(error)}"
            self.call_from_thread(self.status.set_message, message, "error")
            return
        self.call_from_thread(self._show_story, seq, cluster, story, article_id)

    def _show_story(self, seq: int, cluster: str, story: Story | None, article_id: str) -> None:
        if seq != self._story_seq:
            return
        if story is None or len(story.members) < 2:
            self.status.set_message("That story has no other copies any more")
            return
        self.status.set_message(f"{len(story.members)} copies of this story")
        screen = StoryScreen(story, self.script, current=article_id)
        self.push_screen(screen, callback=partial(self._story_closed, cluster))

    def _story_closed(self, cluster: str, article_id: str | None) -> None:
        if article_id is not None:
            self.open_article(article_id, cluster)

    # -- help and the command palette --------------------------------------------------

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.key_help()))

    def _bindings_by_id(self) -> dict[str, list[Binding]]:
        """Every binding with an id, with the user's keymap applied (as Textual does)."""
        found: dict[str, list[Binding]] = {}
        for node in (self, self.search_box):
            bindings_map = node._bindings.copy()
            if self._keymap:
                bindings_map.apply_keymap(self._keymap)
            for bindings in bindings_map.key_to_bindings.values():
                for binding in bindings:
                    if binding.id and binding not in found.get(binding.id, []):
                        found.setdefault(binding.id, []).append(binding)
        return found

    def key_help(self) -> list[tuple[str, str]]:
        """(keys, description) for every binding, with the keys as currently mapped."""
        from g60_reader.tui.app import KEY_HELP

        by_id = self._bindings_by_id()
        rows: list[tuple[str, str]] = []
        for binding_id, description in KEY_HELP:
            shown = dict.fromkeys(
                self.get_key_display(b.with_key(b.key)) for b in by_id.get(binding_id, [])
            )
            keys = " ".join(shown)
            rows.append((keys or "(unbound)", description))
        rows.append((self.get_key_display(Binding(self.COMMAND_PALETTE_BINDING, "")), "commands"))
        return rows

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from g60_reader.tui.app import KEY_HELP

        yield from super().get_system_commands(screen)
        if isinstance(screen, (StoryScreen, HelpScreen)):
            return  # over a modal view the reader's own commands would act behind it
        by_id = self._bindings_by_id()
        for binding_id, description in KEY_HELP:
            bindings = by_id.get(binding_id)
            if not bindings or binding_id == "quit":
                continue  # Textual's own palette already has Quit
            binding = bindings[0]
            keys = " ".join(dict.fromkeys(self.get_key_display(b) for b in bindings))
            target: Widget | None = self.search_box if binding_id.startswith("history_") else None
            action = binding.action.removeprefix("app.")
            title = binding.description or description
            yield SystemCommand(
                title, f"{description} ({keys})", partial(self._run_command, action, target)
            )

    async def _run_command(self, action: str, target: Widget | None) -> None:
        if target is not None:
            await self.run_action(action, target)
        else:
            await self.run_action(action)
