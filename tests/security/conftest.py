from tests.matching.conftest import small_round  # noqa: F401  (shared fixture)
