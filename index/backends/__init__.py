"""Search backends behind the contract (:mod:`g60_reader.index.contract`).

Each backend is its own package; :mod:`g60_reader.index.registry` opens one from a URL.
"""
