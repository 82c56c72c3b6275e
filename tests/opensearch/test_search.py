"""The session's node really serves search: mappings, phrases, aggregations, analysis.

Documents are indexed as the backend will send them: text already folded and tokenized in
Python, space-joined, in a ``whitespace``-analysed field with positions; entities and outlets
as keywords; dates as dates.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.opensearch

INDEX = "g60-test-articles"

DOCS = [
    ("a1", "中国 经济 增长 放缓", "新华社", ["中国"], "2024-01-05"),
    ("a2", "经济 中国 政策 调整", "新华社", ["中国"], "2024-01-20"),
    ("a3", "台湾 选举 结果 公布", "中央社", ["台湾"], "2024-01-13"),
    ("a4", "中国 经济 数据 发布", "联合早报", ["中国", "统计局"], "2024-02-02"),
    ("a5", "美国 中国 经济 对话", "中央社", ["美国", "中国"], "2024-03-11"),
]


@pytest.fixture(scope="module")
def articles(opensearch_url: str):
    from opensearchpy import OpenSearch, helpers

    client = OpenSearch(hosts=[opensearch_url], timeout=30)
    client.indices.create(
        index=INDEX,
        body={
            "settings": {"number_of_shards": 2},
            "mappings": {
                "properties": {
                    "body": {
                        "type": "text",
                        "analyzer": "whitespace",
                        "index_options": "positions",
                    },
                    "outlet": {"type": "keyword"},
                    "entities": {"type": "keyword"},
                    "published": {"type": "date"},
                }
            },
        },
    )
    actions = [
        {
            "_index": INDEX,
            "_id": doc_id,
            "_source": {"body": body, "outlet": outlet, "entities": ents, "published": day},
        }
        for doc_id, body, outlet, ents, day in DOCS
    ]
    indexed, errors = helpers.bulk(client, actions, refresh=True)
    assert (indexed, errors) == (len(DOCS), [])
    yield client
    client.indices.delete(index=INDEX)
    client.close()


def ids(response) -> set[str]:
    return {hit["_id"] for hit in response["hits"]["hits"]}


def test_index_is_green_with_no_replicas_by_default(articles) -> None:
    health = articles.cluster.health(index=INDEX)
    assert health["status"] == "green"
    settings = articles.indices.get_settings(index=INDEX)[INDEX]["settings"]["index"]
    assert settings["number_of_replicas"] == "0"


def test_match_phrase_on_whitespace_tokens(articles) -> None:
    phrase = articles.search(index=INDEX, body={"query": {"match_phrase": {"body": "中国 经济"}}})
    assert ids(phrase) == {"a1", "a4", "a5"}  # a2 has both words, not adjacent in order
    words = articles.search(
        index=INDEX, body={"query": {"match": {"body": {"query": "中国 经济", "operator": "and"}}}}
    )
    assert ids(words) == {"a1", "a2", "a4", "a5"}
    slop = articles.search(
        index=INDEX, body={"query": {"match_phrase": {"body": {"query": "经济 中国", "slop": 0}}}}
    )
    assert ids(slop) == {"a2"}


def test_keyword_filter_and_boolean_query(articles) -> None:
    response = articles.search(
        index=INDEX,
        body={
            "query": {
                "bool": {
                    "must": [{"match": {"body": "经济"}}],
                    "filter": [{"term": {"entities": "中国"}}],
                    "must_not": [{"term": {"outlet": "新华社"}}],
                }
            }
        },
    )
    assert ids(response) == {"a4", "a5"}


def test_terms_aggregation(articles) -> None:
    response = articles.search(
        index=INDEX,
        body={"size": 0, "aggs": {"outlets": {"terms": {"field": "outlet"}}}},
    )
    buckets = {b["key"]: b["doc_count"] for b in response["aggregations"]["outlets"]["buckets"]}
    assert buckets == {"新华社": 2, "中央社": 2, "联合早报": 1}


def test_date_histogram(articles) -> None:
    response = articles.search(
        index=INDEX,
        body={
            "size": 0,
            "query": {"range": {"published": {"gte": "2024-01-01", "lt": "2024-03-01"}}},
            "aggs": {
                "months": {"date_histogram": {"field": "published", "calendar_interval": "month"}}
            },
        },
    )
    months = {
        b["key_as_string"][:7]: b["doc_count"]
        for b in response["aggregations"]["months"]["buckets"]
    }
    assert months == {"2024-01": 3, "2024-02": 1}


def test_analysis_common_module_is_loaded(articles) -> None:
    tokens = articles.indices.analyze(
        body={"tokenizer": "standard", "filter": ["cjk_bigram"], "text": "中国经济"}
    )
    assert [t["token"] for t in tokens["tokens"]] == ["中国", "国经", "经济"]
    whitespace = articles.indices.analyze(body={"analyzer": "whitespace", "text": "中国 经济"})
    assert [(t["token"], t["position"]) for t in whitespace["tokens"]] == [
        ("中国", 0),
        ("经济", 1),
    ]
