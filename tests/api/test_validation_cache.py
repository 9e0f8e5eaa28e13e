"""The same document is validated once: the depth and alias limits do not defeat the
validation cache (it was 22-32% of a bid's CPU)."""

import pytest
from strawberry.extensions.validation_cache import _get_validate_cache


@pytest.mark.django_db
def test_the_same_document_is_validated_once(gql):
    cache = _get_validate_cache(256)
    query = "{ lots(first: 1) { totalCount } __typename }"
    gql(query)
    before = cache.cache_info()

    for _ in range(3):
        assert "errors" not in gql(query)

    after = cache.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (3, 0)


@pytest.mark.django_db
def test_the_depth_limit_still_refuses_a_deep_document(gql, settings):
    deep = "{ me { shop: identities { shop { identity { shop { identity { shop { identity "
    deep += "{ shop { identity { shop { name } } } } } } } } } } } }"

    result = gql(deep)

    assert "exceeds maximum operation depth" in result["errors"][0]["message"]
