from tests.ingest.conftest import ctx  # noqa: F401 (the same fresh lake per test)
