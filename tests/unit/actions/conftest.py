"""Each test starts with an empty invoice look-up limiter (it is process-wide)."""
import pytest

from actions import invoice_lookup


@pytest.fixture(autouse=True)
def fresh_lookup_limiter():
    invoice_lookup.use_limiter(None)
    yield
    invoice_lookup.use_limiter(None)
