"""The index: Chinese analysis, the Whoosh store and the search API.

Import the pieces you need::

    from g60_reader.index.backends.whoosh.search import WhooshBackend, ensure_index
    from g60_reader.index.backends.whoosh.store import update, enrich, IndexBusy
"""
