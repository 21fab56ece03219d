use heritage_guide::auth::Role;
use heritage_guide::config::Settings;
use heritage_guide::services::accounts;
use heritage_guide::startup::Application;
use heritage_guide::state::AppState;
use serde_json::{json, Value};
use std::sync::OnceLock;

pub const SITE: &str = "eling-no2-factory";

/// The password of every account the tests create.
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: std::sync::Arc<AppState>,
}

/// A fresh, empty database URL for one test: a new SQLite file, or a new PostgreSQL database on
/// the server named by TEST_DATABASE_URL.
pub fn fresh_database_url() -> String {
    let name = format!("hg_test_{}", uuid::Uuid::new_v4().simple());
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            use diesel::{Connection, RunQueryDsl};
            let mut c = diesel::pg::PgConnection::establish(&admin).unwrap_or_else(|e| {
                panic!("TEST_DATABASE_URL is set but PostgreSQL cannot be reached: {e}")
            });
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .expect("create test database");
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b.to_string())
                .expect("TEST_DATABASE_URL ends with /DBNAME");
            format!("{base}/{name}")
        }
        _ => {
            let dir = std::env::temp_dir().join("heritage-guide-tests");
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}", dir.join(format!("{name}.db")).display())
        }
    }
}

pub fn is_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL")
        .map(|v| !v.is_empty())
        .unwrap_or(false)
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let database_url = fresh_database_url();
    let mut settings = Settings {
        bind: "127.0.0.1:0".into(),
        database_url: database_url.clone(),
        db_pool_size: 4,
        workers: Some(2),
        // Tests compare plans; exploration (random per plan id) is on in its own tests.
        exploration: false,
        ..Settings::default()
    };
    tweak(&mut settings);
    let app = Application::build(settings).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.server());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address,
        client,
        state,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A request to a path of the app, with a bearer token when one is given and these headers.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        let mut b = self.client.request(method, self.url(path));
        if let Some(t) = token {
            b = b.bearer_auth(t);
        }
        for (name, value) in headers {
            b = b.header(*name, *value);
        }
        b
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.get_as(path, None).await
    }

    pub async fn get_as(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        sent(self.request(reqwest::Method::GET, path, token, &[])).await
    }

    /// A GET with extra headers (Accept, Accept-Language, If-None-Match, …).
    pub async fn get_with(
        &self,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        sent(self.request(reqwest::Method::GET, path, token, headers)).await
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.post_json_as(path, body, None).await
    }

    pub async fn post_json_as(
        &self,
        path: &str,
        body: &Value,
        token: Option<&str>,
    ) -> reqwest::Response {
        self.send("POST", path, token, None, Some(body)).await
    }

    /// Asks for a plan of [`SITE`].
    pub async fn post_plan(&self, request: &Value) -> reqwest::Response {
        self.post_json(&format!("/v1/sites/{SITE}/plans"), request)
            .await
    }

    /// A JSON POST with extra headers (Accept-Language, Idempotency-Key, …).
    pub async fn post_json_with(
        &self,
        path: &str,
        body: &Value,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        sent(
            self.request(reqwest::Method::POST, path, token, headers)
                .json(body),
        )
        .await
    }

    /// A POST of a raw body with the given content type.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
        token: Option<&str>,
    ) -> reqwest::Response {
        let headers = [("content-type", content_type)];
        sent(
            self.request(reqwest::Method::POST, path, token, &headers)
                .body(body),
        )
        .await
    }

    pub async fn patch_json_as(
        &self,
        path: &str,
        body: &Value,
        token: &str,
        if_match: Option<&str>,
    ) -> reqwest::Response {
        self.send("PATCH", path, Some(token), if_match, Some(body))
            .await
    }

    pub async fn delete_as(
        &self,
        path: &str,
        token: &str,
        if_match: Option<&str>,
    ) -> reqwest::Response {
        self.send("DELETE", path, Some(token), if_match, None).await
    }

    /// Any request: a method, an optional bearer token, If-Match and JSON body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        if_match: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let headers: Vec<_> = if_match.map(|m| ("If-Match", m)).into_iter().collect();
        let b = self.request(method, path, token, &headers);
        sent(match body {
            Some(v) => b.json(v),
            None => b,
        })
        .await
    }

    // Accounts and tokens.

    /// Creates an account with [`PASSWORD`] directly in the app's store.
    pub fn add_account(&self, username: &str, role: Role) {
        let mut conn = self.state.pool.get().unwrap();
        accounts::add_user(&mut conn, username, role, PASSWORD).unwrap();
    }

    /// Posts a sign-in.
    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/v1/auth/login",
            &json!({"username": username, "password": password}),
        )
        .await
    }

    /// Signs in with [`PASSWORD`]; asserts a 200 that matches the spec and returns its body.
    pub async fn sign_in(&self, username: &str) -> Value {
        let r = self.login(username, PASSWORD).await;
        assert_eq!(r.status(), 200, "login as {username}");
        let body: Value = r.json().await.unwrap();
        assert_conforms("POST", "/v1/auth/login", 200, "application/json", &body);
        body
    }

    /// The access token of a sign-in with [`PASSWORD`].
    pub async fn access_token(&self, username: &str) -> String {
        self.sign_in(username).await["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// An access token for a new account of this role.
    pub async fn token_for(&self, role: Role) -> String {
        let name = format!(
            "{}-{}",
            role.as_str(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        self.add_account(&name, role);
        self.access_token(&name).await
    }

    /// A visitor token for [`SITE`], asked for through the API.
    pub async fn visitor_token(&self) -> String {
        let r = self
            .post_json("/v1/auth/visitor", &json!({"site": SITE}))
            .await;
        let body = conforming(r, "POST", "/v1/auth/visitor", 201).await;
        body["access_token"].as_str().unwrap().to_string()
    }

    /// Posts a refresh token.
    pub async fn refresh(&self, refresh_token: &Value) -> reqwest::Response {
        self.post_json(
            "/v1/auth/refresh",
            &json!({ "refresh_token": refresh_token }),
        )
        .await
    }

    /// A visitor token for a site, signed by the app's keys without a request.
    pub fn mint_visitor_token(&self, site: &str) -> String {
        let sub = format!("visitor:{}", uuid::Uuid::new_v4().simple());
        let c = self
            .state
            .tokens
            .claims(&sub, Role::Visitor, Some(site), 3600);
        self.state.tokens.sign(&c)
    }

    /// Posts a rating of a place of [`SITE`]; asserts it was stored (201) or replaced one (200).
    pub async fn rate(&self, place: &str, body: &Value, token: &str) -> Value {
        let r = self
            .post_json_as(&ratings_path(place), body, Some(token))
            .await;
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap();
        assert!(
            status == 201 || status == 200,
            "rating answered {status}: {v}"
        );
        v
    }

    /// [`TestApp::rate`] with the token of a new visitor standing at the place (a location fix
    /// there, unless the body gives one): a rating with evidence of the visit.
    pub async fn rate_as_new_visitor(&self, place: &str, body: &Value) -> Value {
        let token = self.mint_visitor_token(SITE);
        let mut body = body.clone();
        if body.get("location").is_none() {
            let snap = self.state.snapshot(SITE).unwrap();
            let p = snap.place(place).expect("a place of the site");
            body["location"] = serde_json::json!({"lat": p.lat, "lon": p.lon, "accuracy_m": 10});
        }
        self.rate(place, &body, &token).await
    }

    /// `GET /v1/auth/me` with this token.
    pub async fn me(&self, token: &str) -> reqwest::Response {
        self.get_as("/v1/auth/me", Some(token)).await
    }
}

async fn sent(b: reqwest::RequestBuilder) -> reqwest::Response {
    b.send().await.expect("request")
}

/// The ratings of a place of [`SITE`].
pub fn ratings_path(place: &str) -> String {
    format!("/v1/sites/{SITE}/places/{place}/ratings")
}

/// A response's ETag (which must be there).
pub fn etag(r: &reqwest::Response) -> String {
    r.headers()
        .get("etag")
        .expect("an ETag")
        .to_str()
        .unwrap()
        .to_string()
}

/// Asserts the status, parses the JSON body and checks it against the spec.
pub async fn conforming(r: reqwest::Response, method: &str, template: &str, status: u16) -> Value {
    conforming_as(r, method, template, status, "application/json").await
}

/// [`conforming`] for a body of another JSON media type (GeoJSON).
pub async fn conforming_as(
    r: reqwest::Response,
    method: &str,
    template: &str,
    status: u16,
    media: &str,
) -> Value {
    assert_eq!(r.status(), status, "{method} {template}");
    let body: Value = r.json().await.unwrap();
    assert_conforms(method, template, status, media, &body);
    body
}

/// The OpenAPI document as JSON.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        serde_yaml::from_str(heritage_guide::api::health::OPENAPI_YAML)
            .expect("openapi.yaml parses")
    })
}

/// Validates a response body against the schema the spec gives for this route, status and media type.
pub fn assert_conforms(method: &str, template: &str, status: u16, media: &str, body: &Value) {
    let spec = spec();
    let op = &spec["paths"][template][method.to_ascii_lowercase()];
    assert!(op.is_object(), "the spec has no {method} {template}");
    let mut resp = op["responses"][status.to_string()].clone();
    assert!(
        resp.is_object(),
        "the spec has no {status} response for {method} {template}"
    );
    if let Some(r) = resp.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap();
        resp = spec["components"]["responses"][name].clone();
    }
    let schema = resp["content"][media]["schema"].clone();
    assert!(
        schema.is_object(),
        "the spec has no {media} body for {status} of {method} {template}"
    );
    let mut root = spec.clone();
    root.as_object_mut().unwrap().remove("paths");
    for (k, v) in schema.as_object().unwrap() {
        root[k] = v.clone();
    }
    let validator = jsonschema::validator_for(&root).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(5)
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {template} {status} body does not match the spec: {errors:?}"
    );
}

/// Checks a problem+json answer: status, code, and (when given) the field it names.
pub async fn assert_problem(r: reqwest::Response, status: u16, field: Option<&str>) -> Value {
    assert_eq!(r.status().as_u16(), status, "status");
    let ct = r
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(ct, "application/problem+json");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(
        body["code"].as_str().is_some_and(|c| !c.is_empty()),
        "problem has a code: {body}"
    );
    assert!(
        body["detail"].as_str().is_some(),
        "problem has a detail: {body}"
    );
    if let Some(f) = field {
        assert_eq!(body["field"], f, "problem names the field: {body}");
    }
    body
}

/// A GeoJSON answer to a GET: its content type, then status 200 and the body checked against
/// the spec.
pub async fn conforming_geojson(r: reqwest::Response, template: &str) -> Value {
    assert_eq!(
        r.headers().get("content-type").unwrap(),
        "application/geo+json"
    );
    conforming_as(r, "GET", template, 200, "application/geo+json").await
}

/// [`assert_problem`], and the problem checked against the spec for this route and status.
pub async fn assert_problem_conforms(
    r: reqwest::Response,
    method: &str,
    template: &str,
    status: u16,
    field: Option<&str>,
) -> Value {
    let body = assert_problem(r, status, field).await;
    assert_conforms(method, template, status, "application/problem+json", &body);
    body
}
