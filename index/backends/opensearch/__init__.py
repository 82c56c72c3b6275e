"""The OpenSearch backend and a local cluster for trying it (``g60-reader opensearch``)."""
