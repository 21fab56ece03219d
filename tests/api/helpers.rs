use heritage_guide::config::Settings;
use heritage_guide::startup::Application;
use heritage_guide::state::AppState;
use serde_json::Value;
use std::sync::OnceLock;

pub const SITE: &str = "eling-no2-factory";

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

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }
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
