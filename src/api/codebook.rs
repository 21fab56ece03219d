//! The site's codebook: read by anyone, codes and their keywords edited by operators.

use super::error::ApiError;
use super::extract::SiteRead;
use super::extract::{conditional_json, if_match, lang_of, query_pairs};
use super::feedback_common::*;
use crate::auth::Claims;
use crate::domain::{Bilingual, Code, Frequency, Keywords, Lang, Sentiment};
use crate::feedback::coding::Coder;
use crate::model::Snapshot;
use crate::services::site_edit::IfMatch;
use crate::state::AppState;
use crate::store::feedback::{self as fstore};
use crate::store::{self, StoreError};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

fn code_json(c: &Code, lang: Lang) -> Value {
    json!({
        "id": c.id,
        "name": lang.pick(&c.name),
        "names": c.name,
        "category": c.category,
        "frequency": c.frequency,
        "sentiment": c.sentiment,
        "keywords": c.keywords,
    })
}

fn code_etag(c: &Code) -> String {
    crate::render::strong_etag(&serde_json::to_vec(c).expect("serialises"))
}

/// `GET /v1/sites/{site}/codebook`: themes, categories and codes with their keywords. Public.
pub async fn get_codebook(
    req: HttpRequest,
    SiteRead { snap, lang }: SiteRead,
) -> Result<HttpResponse, ApiError> {
    let cb = &snap.data.codebook;
    let pick = |id: &str, name: &Bilingual, desc: &Bilingual| json!({"id": id, "name": lang.pick(name), "names": name, "description": lang.pick(desc)});
    let body = json!({
        "site": snap.data.site.id,
        "version": snap.version,
        "themes": cb.themes.iter().map(|t| {
            let mut v = pick(&t.id, &t.name, &t.description);
            v["categories"] = json!(t.categories);
            v
        }).collect::<Vec<_>>(),
        "categories": cb.categories.iter().map(|c| pick(&c.id, &c.name, &c.description)).collect::<Vec<_>>(),
        "codes": cb.codes.iter().map(|c| {
            let mut v = code_json(c, lang);
            v["etag"] = json!(code_etag(c));
            v
        }).collect::<Vec<_>>(),
    });
    Ok(conditional_json(&req, &body, JSON))
}

/// Body of a code edit: every field optional (absent = unchanged).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodePatch {
    #[serde(default)]
    pub name: Option<Bilingual>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub frequency: Option<String>,
    #[serde(default)]
    pub sentiment: Option<String>,
    #[serde(default)]
    pub keywords: Option<KeywordsPatch>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeywordsPatch {
    #[serde(default)]
    pub zh: Option<Vec<String>>,
    #[serde(default)]
    pub en: Option<Vec<String>>,
}

/// Body of a new code; also a code being edited, before [`validate_code`] reads it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCode {
    pub id: String,
    pub name: Bilingual,
    pub category: String,
    pub frequency: String,
    pub sentiment: String,
    pub keywords: Keywords,
}

impl From<Code> for NewCode {
    fn from(c: Code) -> NewCode {
        NewCode {
            id: c.id,
            name: c.name,
            category: c.category,
            frequency: c.frequency.as_str().to_string(),
            sentiment: c.sentiment.as_str().to_string(),
            keywords: c.keywords,
        }
    }
}

/// What a code's write needs of the stored code: none for a creation (409 when it exists), the
/// current one named by `If-Match` for a change (404 without it, 412 naming the current ETag when
/// it changed).
fn code_precondition(
    existing: Option<&Code>,
    create: bool,
    id: &str,
    if_match: Option<&IfMatch>,
) -> Result<(), ApiError> {
    match (existing, create) {
        (Some(_), true) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "Conflict",
            format!("code `{id}` exists already"),
        )
        .with_field("id")),
        (None, false) => Err(ApiError::not_found("code", id)),
        (Some(e), false) => {
            let current = code_etag(e);
            if if_match.is_some_and(|m| m.matches(std::slice::from_ref(&current))) {
                Ok(())
            } else {
                Err(ApiError::new(
                    StatusCode::PRECONDITION_FAILED,
                    "precondition_failed",
                    "Precondition failed",
                    "the code changed since it was read (its ETag no longer matches); read it again and retry",
                )
                .with_field("If-Match")
                .with_member("current_etag", json!(current)))
            }
        }
        (None, true) => Ok(()),
    }
}

/// Checks a code (trimming its keywords) and reads its frequency and sentiment.
fn validate_code(mut c: NewCode, snap: &Snapshot) -> Result<Code, ApiError> {
    if c.id.is_empty()
        || c.id.len() > 64
        || !c
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        return Err(ApiError::invalid(
            "id",
            "a code id is 1 to 64 characters of a-z, 0-9, _ and -",
        ));
    }
    for (f, v) in [("name.zh", &c.name.zh), ("name.en", &c.name.en)] {
        if v.trim().is_empty() || v.chars().count() > 200 {
            return Err(ApiError::invalid(
                f,
                format!("{f} must be 1 to 200 characters"),
            ));
        }
    }
    if !snap
        .data
        .codebook
        .categories
        .iter()
        .any(|k| k.id == c.category)
    {
        return Err(ApiError::invalid(
            "category",
            format!("unknown category `{}`", c.category),
        ));
    }
    let Some(frequency) = Frequency::parse(&c.frequency) else {
        return Err(ApiError::invalid(
            "frequency",
            "frequency must be high, medium or low",
        ));
    };
    let Some(sentiment) = Sentiment::parse(&c.sentiment) else {
        return Err(ApiError::invalid(
            "sentiment",
            "sentiment must be positive, neutral or negative",
        ));
    };
    for (lang, list) in [("zh", &mut c.keywords.zh), ("en", &mut c.keywords.en)] {
        if list.len() > 100 {
            return Err(ApiError::invalid(
                &format!("keywords.{lang}"),
                "at most 100 keywords per language",
            ));
        }
        for (i, k) in list.iter_mut().enumerate() {
            *k = k.trim().to_string();
            if k.is_empty() || k.chars().count() > 50 {
                return Err(ApiError::invalid(
                    &format!("keywords.{lang}[{i}]"),
                    "a keyword is 1 to 50 characters",
                ));
            }
        }
    }
    if c.keywords.zh.is_empty() && c.keywords.en.is_empty() {
        return Err(ApiError::invalid(
            "keywords",
            "a code needs at least one keyword",
        ));
    }
    Ok(Code {
        id: c.id,
        name: c.name,
        category: c.category,
        frequency,
        sentiment,
        keywords: c.keywords,
    })
}

/// Writes a code (new or changed) with the recoding of every stored comment, audits it and
/// installs the new snapshot.
async fn save_code(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    site: String,
    claims: Claims,
    code: Code,
    create: bool,
    if_match: Option<IfMatch>,
) -> Result<HttpResponse, ApiError> {
    let st = state.clone();
    let (sid, c2) = (site.clone(), code.clone());
    let (version, recoded) = web::block(move || -> Result<_, ApiError> {
        let mut conn = st.pool.get().map_err(StoreError::from)?;
        let mut before = None;
        let out = fstore::write_code(
            &mut conn,
            &sid,
            &c2,
            create,
            |existing| -> Result<(), ApiError> {
                before = existing.cloned();
                code_precondition(existing, create, &c2.id, if_match.as_ref())
            },
            |c, cb| {
                let coder = Coder::new(cb);
                fstore::recode_comments(c, &sid, &|t: &str| coder.code(t))
            },
        )?;
        let after = serde_json::to_value(&c2).expect("serialises");
        let before_v = before
            .as_ref()
            .map(|b| serde_json::to_value(b).expect("serialises"));
        store::audit::insert(
            &mut conn,
            &audit_record(
                &claims,
                &sid,
                if create {
                    store::audit::AuditAction::Create
                } else {
                    store::audit::AuditAction::Update
                },
                store::audit::AuditEntity::Code,
                &c2.id,
                out.0,
                out.0,
                &before_v.clone().unwrap_or(Value::Null),
                &after,
            ),
        )
        .map_err(ApiError::from)?;
        Ok((out.0, out.1))
    })
    .await??;
    let st = state.clone();
    let sid = site.clone();
    web::block(move || -> Result<_, ApiError> {
        let mut conn = st.pool.get().map_err(StoreError::from)?;
        st.reload_site_blocking(&mut conn, &sid)
            .map_err(ApiError::internal)
    })
    .await??;
    state.cache.publish_change(&site, version).await;
    let mut v = code_json(&code, lang_of(req));
    v["etag"] = json!(code_etag(&code));
    v["site_version"] = json!(version);
    v["recoded_comments"] = json!(recoded);
    let mut b = if create {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    b.insert_header((header::ETAG, code_etag(&code)));
    if create {
        b.insert_header((
            header::LOCATION,
            format!("/v1/sites/{site}/codebook/codes/{}", code.id),
        ));
    }
    Ok(b.json(v))
}

/// `POST /v1/sites/{site}/codebook/codes`: a new open code. Operators.
pub async fn create_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let site = path.into_inner();
    let claims = operator_of(&req).await?;
    let snap = state.snapshot(&site)?;
    let b: NewCode = body_of(&req, payload).await?;
    let code = validate_code(b, &snap)?;
    save_code(&req, &state, site, claims, code, true, None).await
}

/// `PATCH /v1/sites/{site}/codebook/codes/{code}`: edit a code (keywords, name, category,
/// frequency, sentiment); needs `If-Match` with the code's ETag. Comments are recoded. Operators.
pub async fn update_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let (site, id) = path.into_inner();
    let claims = operator_of(&req).await?;
    let snap = state.snapshot(&site)?;
    let existing = snap
        .data
        .codebook
        .codes
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("code", &id))?;
    let if_match = if_match(&req)?.ok_or_else(|| {
        ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "Precondition required",
            "send If-Match with the code's ETag (from GET /v1/sites/{site}/codebook)",
        )
        .with_field("If-Match")
    })?;
    let p: CodePatch = body_of(&req, payload).await?;
    let mut code = NewCode::from(existing);
    if let Some(n) = p.name {
        code.name = n;
    }
    if let Some(c) = p.category {
        code.category = c;
    }
    if let Some(f) = p.frequency {
        code.frequency = f;
    }
    if let Some(s) = p.sentiment {
        code.sentiment = s;
    }
    if let Some(k) = p.keywords {
        if let Some(zh) = k.zh {
            code.keywords.zh = zh;
        }
        if let Some(en) = k.en {
            code.keywords.en = en;
        }
    }
    let code = validate_code(code, &snap)?;
    save_code(&req, &state, site, claims, code, false, Some(if_match)).await
}
