from tests.pipeline.conftest import pipeline, relay_events  # noqa: F401 - shared fixtures
