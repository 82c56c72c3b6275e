"""Reprint clusters for backends that keep no engine state: one call, all articles."""

from __future__ import annotations

from collections.abc import Iterable

from g60_reader.corpus.model import Article
from g60_reader.index.reprints import StoryClusters, StoryDoc


def story_doc(article: Article) -> StoryDoc:
    return StoryDoc(article.id, article.title, "\n".join(p.text for p in article.paragraphs))


def cluster_articles(articles: Iterable[Article]) -> dict[str, str]:
    """``{article id: cluster id}`` of every article with at least one other copy."""
    with StoryClusters.open(None) as engine:
        engine.add(story_doc(a) for a in articles)
        return {aid: cid for cid, members in engine.clusters(min_size=2) for aid in members}
