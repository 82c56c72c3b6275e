"""The OpenSearch backend: URLs, the versioned mapping, errors, read-only clusters, the
command line; and the newsroom folder and helpers the other ``test_backend_*`` modules use.

What every backend shares is in the contract suite (``tests/contract``, which runs on the
session's node too); these tests hold what is OpenSearch's own.

The newsroom folder looks like what users index, built at run time: GBK pages saved from a
site (navigation, a breadcrumb, related links and a footer around the article), a
JSON-lines dump with escaped text and its own dates and sources (one record in
Traditional script, one a wall of text), a Big5 Traditional text file, and an exact
duplicate of it as Simplified UTF-8.
"""

from __future__ import annotations

import json
import socket
import ssl
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from g60_reader.corpus.fold import to_traditional
from g60_reader.index.errors import IndexDamaged, IndexReadOnly, IndexUnavailable
from g60_reader.index.registry import open_backend

NAV = "首页 | 新闻 | 财经 | 科技 | 体育 | 娱乐 | 视频 | 图片 | 专题"
FOOT = "版权所有 2023 嘉兴日报社 未经授权禁止转载 浙ICP备12345678号 联系我们 广告服务"

PAGES = [
    (
        "嘉兴召开长三角一体化推进会",
        "2023-03-12",
        "嘉兴日报",
        [
            "3月12日，嘉兴市召开长三角一体化发展推进会，部署G60科创走廊建设重点任务。",
            "会议指出，要加快科技创新平台建设，推动产业链协同，吸引更多人才落户嘉兴。",
            "市领导表示，将进一步深化与上海、杭州的合作，共建数字经济产业园。",
        ],
    ),
    (
        "零跑科技发布新车型",
        "2023-05-20",
        "金华日报",
        [
            "5月20日，零跑科技在金华发布全新智能电动车型，售价区间公布。",
            "该车型搭载自研智能驾驶系统，支持5G网联和OTA升级。",
        ],
    ),
]
RECORDS = [
    {
        "title": "浙江大学发布人工智能研究成果",
        "content": "浙江大学今天发布多项人工智能研究成果。\n研究团队与企业合作，推动成果转化。",
        "source": "新华网",
        "publish_time": "2023-06-01 09:30:00",
    },
    {
        "title": "杭州數字經濟論壇舉行",
        "content": "杭州舉行數字經濟論壇，眾多企業參加。\n論壇討論了數據要素市場建設。",
        "source": "澎湃新闻",
        "publish_time": "2023-06-03 14:00:00",
    },
    {
        "title": "上海推进科创中心建设",
        "content": "上海加快建设具有全球影响力的科技创新中心。\n"
        + "长三角地区科技合作不断深化，" * 30
        + "成果丰硕。",
        "source": "人民网",
        "publish_time": "2023-07-15 08:00:00",
    },
]
SUZHOU = (
    "苏州工业园区新闻\n2023年8月8日　澎湃新闻\n"
    "苏州工业园区举办人才招聘会，吸引上千名求职者。\n"
    "园区企业提供岗位超过三千个，涉及集成电路和生物医药。\n"
)

QUERIES = [
    "嘉兴",
    "长三角",
    "長三角",
    "科创走廊",
    '"数字经济"',
    "数字 -杭州",
    "title:零跑",
    "outlet:澎湃",
    "g60",
    "5G",
    "jiaxing",
    "人工智能 OR 集成电路",
    "经",
    "date:2023-06",
]


def html_page(title: str, date: str, outlet: str, paras: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html;'
        f' charset=gbk"><title>{title}_{outlet}</title>'
        f'<meta name="publishdate" content="{date}"></head><body>'
        f'<div class="nav">{NAV}</div><div class="crumb">当前位置：首页 &gt; 新闻 &gt; 正文</div>'
        f'<div class="article"><h1>{title}</h1><div class="info">{date} 来源：{outlet}</div>'
        f"{body}</div>"
        '<div class="related"><ul><li><a href="/a">相关阅读：嘉兴举办春季招聘会</a></li>'
        '<li><a href="/b">相关阅读：南湖景区游客量创新高</a></li></ul></div>'
        f'<div class="footer">{FOOT}</div></body></html>'
    )


def newsroom(root: Path, mirror: bool = True) -> Path:
    """Write the folder (see the module docstring) and return it."""
    (root / "site").mkdir(parents=True, exist_ok=True)
    for n, (title, date, outlet, paras) in enumerate(PAGES):
        page = html_page(title, date, outlet, paras)
        (root / "site" / f"page{n}.html").write_bytes(page.encode("gbk"))
    (root / "dump.jsonl").write_text(
        "\n".join(json.dumps(r) for r in RECORDS) + "\n", encoding="utf-8"
    )
    (root / "suzhou.txt").write_bytes(to_traditional(SUZHOU).encode("big5"))
    if mirror:  # the Big5 file again as Simplified UTF-8: the same folded text
        (root / "suzhou-copy.txt").write_text(SUZHOU, encoding="utf-8")
    return root


def unique_index(prefix: str = "g60-test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def hit_set(backend, query: str, **options) -> set[tuple[str, int, tuple]]:
    result = backend.search(query, pagelen=1000, **options)
    assert result.error is None, (query, result.error)
    return {(h.article_id, h.paragraph, h.spans) for h in result.hits}


def assert_same(backend, reference, queries: list[str] = QUERIES) -> None:
    """Hit sets, counts, articles and copies agree with the reference backend."""
    for query in queries:
        assert hit_set(backend, query) == hit_set(reference, query), query
        got, want = backend.search(query), reference.search(query)
        assert (got.total, got.articles) == (want.total, want.articles), query
    got_stats, want_stats = backend.stats(), reference.stats()
    assert (got_stats.articles, got_stats.paragraphs, got_stats.duplicates) == (
        want_stats.articles,
        want_stats.paragraphs,
        want_stats.duplicates,
    )
    assert [a.article_id for a in backend.list_articles()] == [
        a.article_id for a in reference.list_articles()
    ]
    for summary in reference.list_articles():
        got_article = backend.article(summary.article_id)
        want_article = reference.article(summary.article_id)
        assert got_article is not None and want_article is not None
        assert [c.article_id for c in got_article.copies] == [
            c.article_id for c in want_article.copies
        ]


def memory_twin() -> object:
    return open_backend(f"memory:twin-{uuid.uuid4().hex}")


def drop(node: str, index: str) -> None:
    from opensearchpy import OpenSearch

    client = OpenSearch(hosts=[node], timeout=30)
    client.indices.delete(index=index, ignore_unavailable=True)
    client.indices.delete_index_template(name=f"g60-reader-{index}", ignore=[404])
    client.close()


def backend_at(node: str, index: str | None = None) -> Iterator:
    """A backend on a fresh index of the session's node (deleted afterwards)."""
    name = index or unique_index()
    backend = open_backend(f"opensearch+{node}/{name}")
    try:
        yield backend
    finally:
        backend.close()
        drop(node, name)


@pytest.fixture
def node(opensearch_url: str) -> str:
    return opensearch_url


@pytest.fixture
def backend(node: str) -> Iterator:
    yield from backend_at(node)


@pytest.fixture
def room(tmp_path: Path) -> Path:
    return newsroom(tmp_path / "news")


def raw_client(node: str):
    from opensearchpy import OpenSearch

    return OpenSearch(hosts=[node], timeout=30)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def one_line(message: str) -> str:
    assert "\n" not in message and "Traceback" not in message, message
    return message


# -- URLs (no cluster) ----------------------------------------------------------------------


def test_url_defaults_and_display():
    from g60_reader.index.backends.opensearch.url import parse_url

    target = parse_url("opensearch+http://localhost/news", environ={})
    assert (target.scheme, target.hosts, target.index) == ("http", (("localhost", 9200),), "news")
    assert (target.shards, target.replicas, target.verify, target.user) == (1, 0, True, None)
    assert parse_url("opensearch+http://h:9201", environ={}).index == "g60-reader"
    many = parse_url("opensearch+http://a:9200,b:9201,[::1]:9202/x", environ={})
    assert many.hosts == (("a", 9200), ("b", 9201), ("::1", 9202))
    assert many.display == "opensearch+http://a:9200,b:9201,::1:9202/x"


def test_url_credentials_in_the_url_and_from_the_environment():
    from g60_reader.index.backends.opensearch.url import parse_url

    target = parse_url("opensearch+https://reader:p%40ss%3Aw0rd@os.example:443/news", environ={})
    assert (target.user, target.password) == ("reader", "p@ss:w0rd")
    assert "p%40ss" not in target.display and "w0rd" not in target.display
    assert target.display == "opensearch+https://reader:***@os.example:443/news"
    env = {"G60_READER_OPENSEARCH_USER": "svc", "G60_READER_OPENSEARCH_PASSWORD": "s3cret"}
    from_env = parse_url("opensearch+https://os.example/news", environ=env)
    assert (from_env.user, from_env.password) == ("svc", "s3cret")
    assert "s3cret" not in from_env.display
    # a user in the URL takes the password from the environment when it gives none
    assert parse_url("opensearch+https://ann@os.example/news", environ=env).password == "s3cret"
    options = from_env.client_options()
    assert options["headers"]["authorization"] == "Basic c3ZjOnMzY3JldA=="  # svc:s3cret
    assert options["use_ssl"] is True


def test_url_tls_options(tmp_path):
    from g60_reader.index.backends.opensearch.url import parse_url

    system = parse_url("opensearch+https://h/x", environ={}).ssl_context()
    assert system.verify_mode == ssl.CERT_REQUIRED and system.check_hostname
    loose = parse_url("opensearch+https://h/x?verify=false", environ={}).ssl_context()
    assert loose.verify_mode == ssl.CERT_NONE and not loose.check_hostname
    missing = parse_url(f"opensearch+https://h/x?ca={tmp_path}/none.pem", environ={})
    with pytest.raises(IndexUnavailable) as caught:
        missing.ssl_context()
    assert "none.pem" in one_line(str(caught.value))
    sized = parse_url("opensearch+http://h/x?shards=3&replicas=1&timeout=5", environ={})
    assert (sized.shards, sized.replicas, sized.timeout) == (3, 1, 5.0)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("opensearch+http://h/Upper", "cannot name an OpenSearch index"),
        ("opensearch+http://h/_hidden", "cannot name an OpenSearch index"),
        ("opensearch+http://h/x?color=red", "unknown option ?color="),
        ("opensearch+http://h/x?verify=maybe", "?verify= must be true or false"),
        ("opensearch+http://h/x?shards=0", "?shards= must be a number from 1"),
        ("opensearch+http://h:99999/x", "bad port"),
        ("opensearch+http://bad host/x", "bad host"),
        ("opensearch+ftp://h/x", "unknown backend"),
    ],
)
def test_bad_urls_are_one_line_errors(url, says):
    with pytest.raises(IndexUnavailable) as caught:
        open_backend(url)
    assert says in one_line(str(caught.value))


def test_a_password_never_shows_in_an_error():
    with pytest.raises(IndexUnavailable) as caught:
        open_backend("opensearch+https://ann:t0psecret@h/x?shards=none")
    assert "t0psecret" not in str(caught.value) and "ann:***@" in str(caught.value)


def test_opening_contacts_nothing_and_a_closed_port_is_one_line():
    port = closed_port()
    began = time.monotonic()
    backend = open_backend(f"opensearch+http://127.0.0.1:{port}/news")
    assert time.monotonic() - began < 0.5
    assert backend.conn._client is None  # no client made yet
    for call in (backend.exists, backend.stats, lambda: backend.search("嘉兴")):
        with pytest.raises(IndexUnavailable) as caught:
            call()
        message = one_line(str(caught.value))
        assert f"opensearch+http://127.0.0.1:{port}/news" in message
        assert "connection refused" in message
    assert backend.expand_pinyin("jiaxing") == []  # never raises
    assert backend.warm_up() >= 0.0


# -- on the session's node ---------------------------------------------------------------


@pytest.mark.opensearch
def test_an_index_that_is_not_there_yet(backend):
    assert backend.exists() is False
    with pytest.raises(IndexUnavailable) as caught:
        backend.search("嘉兴")
    assert "no index at" in one_line(str(caught.value)) and backend.url in str(caught.value)


@pytest.mark.opensearch
def test_the_mapping_is_versioned_and_templated(node, backend, room):
    from g60_reader.index.backends.opensearch.mapping import MAPPING_VERSION

    backend.update([room], procs=1)
    index = backend.target.index
    client = raw_client(node)
    try:
        found = client.indices.get_mapping(index=index)[index]["mappings"]
        assert found["_meta"]["g60-reader-mapping-version"] == MAPPING_VERSION
        assert found["dynamic"] == "strict"
        assert found["properties"]["body"]["analyzer"] == "g60_terms"  # whitespace, ours
        template = client.indices.get_index_template(name=f"g60-reader-{index}")
        (entry,) = template["index_templates"]
        assert entry["index_template"]["index_patterns"] == [index]
        assert entry["index_template"]["version"] == MAPPING_VERSION
        # an index of another version is refused, with what to do about it
        client.indices.put_mapping(
            index=index, body={"_meta": {"g60-reader-mapping-version": MAPPING_VERSION + 1}}
        )
    finally:
        client.close()
    stale = open_backend(backend.url)
    for call in (stale.exists, lambda: stale.search("嘉兴"), lambda: stale.update([room])):
        with pytest.raises(IndexDamaged) as caught:
            call()
        message = one_line(str(caught.value))
        assert f"mapping version {MAPPING_VERSION + 1}" in message and "--rebuild" in message
    report = stale.update([room], rebuild=True, procs=1)
    assert report.added == 7 and stale.exists()
    assert stale.search("嘉兴").total > 0


@pytest.mark.opensearch
def test_a_foreign_index_is_never_touched(node, room):
    name = unique_index("someone-else")
    client = raw_client(node)
    client.indices.create(index=name, body={"mappings": {"properties": {"x": {"type": "text"}}}})
    client.index(index=name, id="1", body={"x": "their data"}, refresh=True)
    try:
        backend = open_backend(f"opensearch+{node}/{name}")
        for call in (backend.exists, lambda: backend.update([room], rebuild=True)):
            with pytest.raises(IndexUnavailable) as caught:
                call()
            assert "is not a g60-reader index" in one_line(str(caught.value))
        assert client.count(index=name)["count"] == 1
    finally:
        client.indices.delete(index=name)
        client.close()


@pytest.mark.opensearch
def test_writes_are_acknowledged_when_the_call_returns(node, backend, room):
    report = backend.update([room], procs=1)
    assert (report.added, report.duplicates, report.failed) == (7, 1, [])
    client = raw_client(node)  # another client, no refresh of its own, no waiting
    try:
        index = backend.target.index
        kinds = {
            b["key"]: b["doc_count"]
            for b in client.search(
                index=index,
                body={"size": 0, "aggs": {"k": {"terms": {"field": "kind"}}}},
            )["aggregations"]["k"]["buckets"]
        }
        assert kinds["a"] == 7 and kinds["p"] == report.paragraphs == 13  # the copy: no "p"
        assert (
            client.count(index=index, body={"query": {"match_phrase": {"body": "嘉兴"}}})["count"]
            == backend.search("嘉兴").total
        )
    finally:
        client.close()
    other = open_backend(backend.url)  # every client sees the same pinyin lexicon
    assert other.expand_pinyin("jiaxing") == ["嘉兴"] == backend.expand_pinyin("jiaxing")


@pytest.mark.opensearch
def test_the_newsroom_agrees_with_the_reference(backend, room):
    reference = memory_twin()
    for b in (backend, reference):
        b.update([room], procs=1)
    assert_same(backend, reference)
    hit = backend.search('"科创走廊"').hits[0]
    assert hit.text[hit.spans[0][0] : hit.spans[0][1]] == "科创走廊"
    assert hit.outlet == "嘉兴日报" and hit.published == "2023-03-12"
    assert hit.path.endswith("page0.html")
    trad = backend.search("数字经济", pagelen=50)  # 數字經濟 in the Traditional record
    assert any(h.text[s:e] == "數字經濟" for h in trad.hits for s, e in h.spans)
    nothing = backend.search("jiaxng")
    assert nothing.total == 0 and isinstance(nothing.suggestions, list)
    assert backend.search('title:"unclosed').error is None
    assert backend.search("(").error is not None


@pytest.mark.opensearch
def test_a_read_only_index_gives_one_line(node, backend, room, tmp_path):
    backend.update([room], procs=1)
    index = backend.target.index
    client = raw_client(node)
    more = tmp_path / "more"
    more.mkdir()
    (more / "new.txt").write_text("嘉善新闻\n\n嘉善县举办招商会。\n", encoding="utf-8")
    try:
        for block, says in (
            ("index.blocks.write", "lift the block"),
            ("index.blocks.read_only_allow_delete", "flood stage"),
        ):
            client.indices.put_settings(index=index, body={block: True})
            for call in (
                lambda: backend.update([more], procs=1),
                lambda: backend.delete(["nope"]),
                lambda: backend.enrich(_no_entities),
            ):
                with pytest.raises(IndexReadOnly) as caught:
                    call()
                message = one_line(str(caught.value))
                assert "read-only" in message and says in message and backend.url in message
            assert backend.search("嘉兴").total > 0  # still searchable
            client.indices.put_settings(index=index, body={block: None})
        # a block that arrives after the check: the bulk items are refused
        from g60_reader.index.backends.opensearch import store

        client.indices.put_settings(index=index, body={"index.blocks.write": True})
        with pytest.raises(IndexReadOnly):
            store.Bulk(backend.conn).run(
                [{"_op_type": "index", "_id": "meta", "_source": {"kind": "meta"}}]
            )
        client.indices.put_settings(index=index, body={"index.blocks.write": None})
    finally:
        client.close()
    assert backend.update([more], procs=1).added == 1


def _no_entities(text: str, folded: str) -> list:
    return []


@pytest.mark.opensearch
def test_the_command_line_end_to_end(node, room):
    from tests.opensearch_node import cli

    name = unique_index("g60-cli")
    url = f"opensearch+{node}/{name}"
    try:
        done = cli("index", "--backend", url, str(room), timeout=600)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        found = cli("search", "--backend", url, "--json", "长三角")
        assert found.returncode == 0, found.stderr
        records = [json.loads(line) for line in found.stdout.splitlines()]
        assert records and all(r["spans"] for r in records)
        for r in records:
            s, e = r["spans"][0]
            assert r["text"][s:e] in ("长三角", "長三角")
        stats = cli("stats", "--backend", url)
        assert stats.returncode == 0, stats.stderr
        assert url in stats.stdout.replace("\\n", "")
        assert "6" in stats.stdout  # articles (the copy is counted apart)
        place = cli("search", "--backend", url, "--json", "place:嘉兴")
        assert place.returncode == 0 and place.stdout.strip()  # the entity pass ran
        # a cluster that does not answer: one line, exit 2, no traceback
        down = cli("search", "--backend", f"opensearch+http://127.0.0.1:{closed_port()}/x", "a")
        assert down.returncode == 2
        assert len(down.stderr.strip().splitlines()) == 1 and "Traceback" not in down.stderr
        assert "connection refused" in down.stderr
    finally:
        drop(node, name)
