from tests.ingest.conftest import config_once, ctx  # noqa: F401 (the same fresh lake per test)
