"""Stored fields are deflated with a window fitted to each document (``compress_stored``),
and Whoosh reads them back with plain ``zlib.decompress``."""

from __future__ import annotations

import random
import zlib

from g60_reader.index.backends.whoosh import _compat, store
from g60_reader.index.backends.whoosh.schema import G60Codec, compress_stored
from g60_reader.index.backends.whoosh.search import WhooshBackend
from g60_reader.index.backends.whoosh.writer import FastWriter


def test_compress_stored_round_trips_any_size() -> None:
    rng = random.Random(5)
    han = "长三角一体化发展嘉兴杭州合肥科创走廊会议记者报道。，"
    for n in (0, 1, 2, 100, 255, 256, 257, 511, 600, 5000, 40_000, 200_000):
        text = "".join(rng.choice(han) for _ in range(n)).encode("utf-8")
        noise = rng.randbytes(n)
        for data in (text, noise):
            packed = compress_stored(data, 3)
            assert zlib.decompress(packed) == data
    # as small as zlib's own on text the size of a paragraph, and on a long one
    para = "".join(rng.choice(han) for _ in range(200)).encode("utf-8")
    long = para * 50
    assert len(compress_stored(para, 3)) <= len(zlib.compress(para, 3)) + 2
    assert len(compress_stored(long, 3)) <= len(zlib.compress(long, 3)) * 1.05


def test_the_codec_puts_it_on_the_stored_column(tmp_path) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    body = "\n\n".join(f"嘉兴第{k}段：长三角科创走廊建设取得新进展。" * 3 for k in range(6))
    (root / "a.txt").write_text("标题\n\n" + body + "\n", encoding="utf-8")
    index_dir = tmp_path / "ix"
    store.update(index_dir, [root])
    ix = store.open_index(index_dir)
    writer = FastWriter(ix)  # what the build and its workers write segments with
    try:
        assert isinstance(writer.codec, G60Codec)
        child = writer.perdocwriter._colwriters["_stored"]._child
        assert child._compress is compress_stored
    finally:
        writer.cancel()
    b = WhooshBackend(index_dir)
    try:
        hit = b.search("科创走廊").hits[0]
        article = b.article(hit.article_id)
        assert article is not None
        texts = [p.text for p in article.article.paragraphs]
        assert texts[0].startswith("嘉兴第0段") and texts[-1].startswith("嘉兴第5段")
    finally:
        b.close()
    assert _compat.set_stored_compressor(object(), compress_stored) is False
