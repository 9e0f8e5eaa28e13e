def test_me_is_null_for_an_anonymous_caller(gql):
    assert gql("{ me { id } }") == {"data": {"me": None}}
