from cms.links.checker import check_url, check_urls


def test_a_healthy_link_answers_head_only(app_server):
    result = check_url(f"{app_server.base}/ok")
    assert result.ok and result.status_code == 200 and result.error == ""
    assert app_server.hits == [("HEAD", "/ok")]


def test_server_error_and_missing_page_are_failures_named_by_status(app_server):
    error = check_url(f"{app_server.base}/error")
    missing = check_url(f"{app_server.base}/missing")
    assert (error.ok, error.status_code, error.error) == (False, 500, "HTTP 500")
    assert (missing.ok, missing.status_code) == (False, 404)
    # HEAD failed, so GET was asked before calling the link broken.
    assert ("GET", "/missing") in app_server.hits


def test_head_not_allowed_falls_back_to_get(app_server):
    result = check_url(f"{app_server.base}/no-head")
    assert result.ok and result.status_code == 200
    assert app_server.hits == [("HEAD", "/no-head"), ("GET", "/no-head")]


def test_redirect_is_followed_to_its_target(app_server):
    result = check_url(f"{app_server.base}/redirect")
    assert result.ok and result.final_url == f"{app_server.base}/ok/target"


def test_redirect_loop_is_reported_not_followed_forever(app_server):
    result = check_url(f"{app_server.base}/loop-a")
    assert not result.ok and "berputar" in result.error
    assert len(app_server.hits) <= 4  # two hops, HEAD then GET


def test_redirects_are_limited(app_server):
    assert check_url(f"{app_server.base}/chain/3", max_redirects=3).ok
    too_many = check_url(f"{app_server.base}/chain/4", max_redirects=3)
    assert not too_many.ok and "Terlalu banyak pengalihan" in too_many.error


def test_login_wall_counts_as_the_app_answering(app_server):
    assert check_url(f"{app_server.base}/login").ok


def test_timeout_is_a_failure_and_is_not_retried_with_get(app_server):
    result = check_url(f"{app_server.base}/hang", timeout=0.3)
    assert not result.ok and result.status_code is None and "Waktu habis" in result.error
    assert result.latency < 2.0
    assert app_server.hits == [("HEAD", "/hang")]


def test_refused_connection_is_a_failure(app_server):
    # Port 9 on 127.0.0.1 (discard) is closed here; nothing else is ever contacted.
    result = check_url("http://127.0.0.1:9/ok", timeout=1)
    assert not result.ok and result.status_code is None and result.error


def test_latency_is_measured(app_server):
    app_server.slow_seconds = 0.3
    result = check_url(f"{app_server.base}/slow")
    assert result.ok and result.latency >= 0.3


def test_concurrency_is_bounded(app_server):
    app_server.slow_seconds = 0.2
    urls = [f"{app_server.base}/slow/{n}" for n in range(9)]
    results = check_urls(urls, concurrency=3)
    assert all(r.ok for r in results.values()) and set(results) == set(urls)
    assert 2 <= app_server.max_in_flight <= 3
