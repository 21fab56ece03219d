//! Redis: two instances sharing one PostgreSQL and one Redis see each other's edits within a
//! second; with Redis unreachable (a closed port, a server that accepts and never answers, or a
//! connection paused mid-flight) reads, plans, sign-ins, limits and edits keep working from local
//! memory, readiness says degraded, and nothing waits long.

use crate::helpers::*;
use heritage_guide::auth::Role;
use heritage_guide::config::{Secret, Settings};
use heritage_guide::startup::Application;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PLACE: &str = "factory-main-square";

/// The shared PostgreSQL and Redis, or `None` outside CI when they are not configured (CI
/// must configure them).
fn shared_servers() -> Option<(String, String)> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (get("TEST_DATABASE_URL"), get("TEST_REDIS_URL")) {
        (Some(d), Some(r)) => Some((d, r)),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI must set TEST_DATABASE_URL and TEST_REDIS_URL"
            );
            None
        }
    }
}

fn redis_only() -> Option<String> {
    match std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(r) => Some(r),
        None => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI must set TEST_REDIS_URL"
            );
            None
        }
    }
}

async fn start(settings: Settings) -> TestApp {
    let app = Application::build(settings).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.server());
    TestApp {
        address,
        client: reqwest::Client::new(),
        state,
    }
}

fn settings(database_url: &str, redis_url: Option<String>, namespace: &str) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        database_url: database_url.to_string(),
        redis_url,
        redis_namespace: namespace.to_string(),
        db_pool_size: 4,
        workers: Some(2),
        jwt_secret: Some(Secret("shared-secret-of-the-deployment-0123456789".into())),
        ..Settings::default()
    }
}

async fn patch_fee(app: &TestApp, token: &str, fee: f64) {
    let path = format!("/v1/sites/{SITE}/places/{PLACE}");
    let tag = etag(&app.get(&path).await);
    let r = app
        .patch_json_as(
            &path,
            &json!({"properties": {"fee_cny": fee}}),
            token,
            Some(&tag),
        )
        .await;
    assert_eq!(r.status(), 200);
}

async fn fee(app: &TestApp) -> f64 {
    app.get_json(&format!("/v1/sites/{SITE}/places/{PLACE}"))
        .await
        .1["fee_cny"]
        .as_f64()
        .unwrap()
}

#[tokio::test]
async fn an_edit_on_one_instance_is_visible_on_the_other_within_a_second() {
    let Some((_, redis)) = shared_servers() else {
        return;
    };
    let db = fresh_database_url();
    let ns = format!("hg-test-{}", uuid::Uuid::new_v4().simple());
    let a = start(settings(&db, Some(redis.clone()), &ns)).await;
    let b = start(settings(&db, Some(redis), &ns)).await;
    for app in [&a, &b] {
        let (_, ready) = app.get_json("/readyz").await;
        assert_eq!(ready["checks"]["cache"], "ok", "{ready}");
    }
    a.add_account("ops-multi", Role::Operator);
    let token = a.access_token("ops-multi").await;
    // A token from one instance works on the other.
    let r = b.me(&token).await;
    assert_eq!(r.status(), 200);
    assert_eq!(fee(&b).await, 0.0);

    let started = Instant::now();
    patch_fee(&a, &token, 35.0).await;
    let mut seen = false;
    while started.elapsed() < Duration::from_secs(1) {
        if fee(&b).await == 35.0 {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(seen, "instance B saw the edit within a second");
    let va = a.get_json(&format!("/v1/sites/{SITE}")).await.1["version"].clone();
    let vb = b.get_json(&format!("/v1/sites/{SITE}")).await.1["version"].clone();
    assert_eq!(va, vb);
    let ea = a.get(&format!("/v1/sites/{SITE}/bundle")).await.headers()["etag"].clone();
    let eb = b.get(&format!("/v1/sites/{SITE}/bundle")).await.headers()["etag"].clone();
    assert_eq!(ea, eb, "both instances serve the same bundle");

    // The response cache is shared too: what A rendered, B serves.
    let path = format!("/v1/sites/{SITE}/places?area=liziba");
    let r = a.get(&path).await;
    assert_eq!(r.headers()["x-cache"], "miss");
    let r = b.get(&path).await;
    assert_eq!(r.headers()["x-cache"], "hit");
    // So are the limits: sign-in failures on A count on B.
    for app in [&a, &b, &a] {
        let r = app.login("ops-multi", "wrong wrong wrong").await;
        assert_eq!(r.status(), 401);
    }
    let mut last = 0;
    for app in [&b, &a, &b] {
        last = app
            .login("ops-multi", "wrong wrong wrong")
            .await
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);
}

/// Reads, plans, sign-in, limits and edits with Redis unusable; requests that touch the cache
/// are bounded (a Redis timeout is 250 ms; the bound leaves room for a loaded machine).
async fn works_without_redis(app: &TestApp) {
    let bound = Duration::from_secs(3);
    let timed = |started: Instant, what: &str| {
        assert!(
            started.elapsed() < bound,
            "{what} took {:?}",
            started.elapsed()
        );
    };
    let t = Instant::now();
    let (s, ready) = app.get_json("/readyz").await;
    timed(t, "readyz");
    assert_eq!(s, 200);
    assert_eq!(ready["status"], "degraded", "{ready}");
    assert_eq!(ready["checks"]["cache"], "unreachable");
    for _ in 0..2 {
        let t = Instant::now();
        let (s, _) = app
            .get_json(&format!("/v1/sites/{SITE}/places?kind=rooftop"))
            .await;
        timed(t, "places");
        assert_eq!(s, 200);
    }
    // Planning is CPU work, not cache work: it must succeed, however busy the machine is.
    let r = app
        .post_plan(
            &json!({"start": PLACE, "start_time": "2026-05-16T10:00:00+08:00", "budget_min": 120}),
        )
        .await;
    assert_eq!(r.status(), 201);
    app.add_account("ops-offline", Role::Operator);
    let t = Instant::now();
    let token = app.access_token("ops-offline").await;
    timed(t, "login");
    patch_fee(app, &token, 8.0).await;
    assert_eq!(fee(app).await, 8.0);
    // Limits keep counting in memory.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = app.me(&token).await;
        statuses.push(r.status().as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(statuses.iter().all(|s| *s < 500));
}

fn limited(s: &mut Settings) {
    s.limits.per_token_per_min = 5;
}

#[tokio::test]
async fn a_closed_redis_port_degrades_to_memory() {
    let t = Instant::now();
    let app = spawn_app_with(|s| {
        s.redis_url = Some("redis://127.0.0.1:1/".into());
        limited(s);
    })
    .await;
    assert!(t.elapsed() < Duration::from_secs(5), "start is bounded");
    works_without_redis(&app).await;
}

#[tokio::test]
async fn a_redis_that_accepts_and_never_answers_degrades_to_memory() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let t = Instant::now();
    let app = spawn_app_with(|s| {
        s.redis_url = Some(format!("redis://127.0.0.1:{port}/"));
        limited(s);
    })
    .await;
    assert!(t.elapsed() < Duration::from_secs(5), "start is bounded");
    works_without_redis(&app).await;
}

/// A TCP proxy to Redis that can stop forwarding (a paused connection).
struct PausableProxy {
    port: u16,
    paused: Arc<AtomicBool>,
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    paused: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        while paused.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

async fn pausable_proxy(upstream: String) -> PausableProxy {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let paused = Arc::new(AtomicBool::new(false));
    let p = paused.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                continue;
            };
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::spawn(pump(cr, sw, p.clone()));
            tokio::spawn(pump(sr, cw, p.clone()));
        }
    });
    PausableProxy { port, paused }
}

#[tokio::test]
async fn a_redis_connection_paused_mid_flight_falls_back_and_recovers() {
    let Some(redis) = redis_only() else {
        return;
    };
    let hostport = redis
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap()
        .rsplit('@')
        .next()
        .unwrap()
        .to_string();
    let proxy = pausable_proxy(hostport).await;
    let ns = format!("hg-test-{}", uuid::Uuid::new_v4().simple());
    let app = spawn_app_with(|s| {
        s.redis_url = Some(format!("redis://127.0.0.1:{}/", proxy.port));
        s.redis_namespace = ns;
        limited(s);
    })
    .await;
    let (_, ready) = app.get_json("/readyz").await;
    assert_eq!(ready["checks"]["cache"], "ok", "{ready}");
    let path = format!("/v1/sites/{SITE}/places?area=factory");
    assert_eq!(app.get(&path).await.headers()["x-cache"], "miss");
    assert_eq!(app.get(&path).await.headers()["x-cache"], "hit");

    proxy.paused.store(true, Ordering::SeqCst);
    // The first call after the pause waits at most one command timeout, then memory serves.
    for _ in 0..3 {
        let t = Instant::now();
        let r = app.get(&path).await;
        assert_eq!(r.status(), 200);
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    }
    works_without_redis(&app).await;

    proxy.paused.store(false, Ordering::SeqCst);
    let t = Instant::now();
    loop {
        let (_, ready) = app.get_json("/readyz").await;
        if ready["checks"]["cache"] == "ok" && app.state.cache.status() == "ok" {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(10), "recovers: {ready}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn change_notifications_reach_subscribers_through_redis() {
    let Some(redis) = redis_only() else {
        return;
    };
    let ns = format!("hg-test-{}", uuid::Uuid::new_v4().simple());
    let a = heritage_guide::cache::Cache::with_redis(&redis, &ns)
        .await
        .unwrap();
    let b = heritage_guide::cache::Cache::with_redis(&redis, &ns)
        .await
        .unwrap();
    let mut rx = b.subscribe();
    // Wait for the subscription (it announces a resync when it is in place).
    let first = tokio::time::timeout(Duration::from_secs(3), rx.recv()).await;
    assert!(
        matches!(first, Ok(Ok(heritage_guide::cache::Notice::Resync))),
        "{first:?}"
    );
    a.publish_change("some-site", 42).await;
    let got = tokio::time::timeout(Duration::from_secs(2), rx.recv())
        .await
        .unwrap()
        .unwrap();
    match got {
        heritage_guide::cache::Notice::Changed(ev) => {
            assert_eq!(ev.site, "some-site");
            assert_eq!(ev.version, 42);
            assert_eq!(ev.origin, a.instance());
        }
        other => panic!("{other:?}"),
    }
    let _: Value = json!(null);
}

#[tokio::test]
async fn without_notifications_instances_catch_up_by_comparing_versions() {
    // Two instances on one PostgreSQL and no Redis: no change channel between them.
    if !is_postgres() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI must set TEST_DATABASE_URL"
        );
        return;
    }
    let db = fresh_database_url();
    let a = start(settings(&db, None, "hg")).await;
    let b = start(settings(&db, None, "hg")).await;
    a.add_account("ops-poll", Role::Operator);
    let token = a.access_token("ops-poll").await;
    patch_fee(&a, &token, 17.0).await;
    let started = Instant::now();
    let limit = heritage_guide::startup::RECONCILE_INTERVAL + Duration::from_secs(3);
    while fee(&b).await != 17.0 {
        assert!(started.elapsed() < limit, "B caught up by polling");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The plan quotas and the visitor-token limit are counted in Redis, so they hold across
/// instances; the expired-plan purge runs on both instances against one database without
/// getting in each other's way.
#[tokio::test]
async fn plan_quotas_and_token_limits_hold_across_instances() {
    let Some((_, redis)) = shared_servers() else {
        return;
    };
    let db = fresh_database_url();
    let ns = format!("hg-test-{}", uuid::Uuid::new_v4().simple());
    let mk = || {
        let mut s = settings(&db, Some(redis.clone()), &ns);
        s.limits.plans_per_ip_per_hour = 3;
        s.limits.plans_per_token_per_hour = 2;
        s.limits.visitor_tokens_per_ip_per_hour = 3;
        s.plan_purge_interval_min = 0.005;
        s
    };
    let a = start(mk()).await;
    let b = start(mk()).await;
    let plan =
        json!({"start": PLACE, "start_time": "2026-05-16T10:00:00+08:00", "budget_min": 120});
    let path = format!("/v1/sites/{SITE}/plans");
    // Tokens: two from A, one from B, then B refuses.
    let ta = a.visitor_token().await;
    a.visitor_token().await;
    let tb = b.visitor_token().await;
    let r = b
        .post_json("/v1/auth/visitor", &json!({"site": SITE}))
        .await;
    assert_eq!(r.status(), 429);
    // Per visitor: two plans, one on each instance, then the third is refused.
    assert_eq!(a.post_json_as(&path, &plan, Some(&ta)).await.status(), 201);
    assert_eq!(b.post_json_as(&path, &plan, Some(&ta)).await.status(), 201);
    let r = a.post_json_as(&path, &plan, Some(&ta)).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    // Per address: the third plan of this client (on B) is the last one.
    let ok = b.post_json_as(&path, &plan, Some(&tb)).await;
    assert_eq!(ok.status(), 201);
    let kept: Value = ok.json().await.unwrap();
    assert_eq!(b.post_plan(&plan).await.status(), 429);
    assert_eq!(a.post_plan(&plan).await.status(), 429);
    // Both instances purge; an expired plan goes and the others stay.
    {
        use diesel::prelude::*;
        use heritage_guide::store::schema::plans;
        let mut c = a.state.pool.get().unwrap();
        diesel::update(plans::table.filter(plans::id.ne(kept["id"].as_str().unwrap())))
            .set(plans::expires_at.eq(Some("2020-01-01T00:00:00.000Z")))
            .execute(&mut c)
            .unwrap();
    }
    let mut left = 0;
    for _ in 0..100 {
        left = heritage_guide::store::plans::count(&mut a.state.pool.get().unwrap()).unwrap();
        if left == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, 1);
    let r = b
        .get(&format!("/v1/plans/{}", kept["id"].as_str().unwrap()))
        .await;
    assert_eq!(r.status(), 200);
}
