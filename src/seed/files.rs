//! The five files of a seed, the errors found in them, and the content hash of a site.

use crate::domain::*;
use sha2::{Digest, Sha256};

use std::path::Path;

pub const SITE_FILE: &str = "site.yaml";
pub const PLACES_FILE: &str = "places.geojson";
pub const PATHS_FILE: &str = "paths.geojson";
pub const FINDINGS_FILE: &str = "findings.yaml";
pub const CODEBOOK_FILE: &str = "codebook.yaml";
/// The message of the error naming a place that closed edges cut off from the site.
pub const STRANDED_MESSAGE: &str =
    "stranded: the place's node cannot be reached over open paths; reopen a path or mark the place closed";

/// The five files of a seed, as text.
#[derive(Clone, Debug)]
pub struct SeedFiles {
    pub site: String,
    pub places: String,
    pub paths: String,
    pub findings: String,
    pub codebook: String,
}

impl SeedFiles {
    /// The Eling No.2 Factory seed built into the binary, so the default run needs no files.
    pub fn embedded() -> SeedFiles {
        SeedFiles {
            site: include_str!("../../seed/site.yaml").to_string(),
            places: include_str!("../../seed/places.geojson").to_string(),
            paths: include_str!("../../seed/paths.geojson").to_string(),
            findings: include_str!("../../seed/findings.yaml").to_string(),
            codebook: include_str!("../../seed/codebook.yaml").to_string(),
        }
    }

    pub fn from_dir(dir: &Path) -> Result<SeedFiles, Vec<SeedError>> {
        let mut errors = Vec::new();
        let mut read = |name: &str| match std::fs::read_to_string(dir.join(name)) {
            Ok(s) => s,
            Err(e) => {
                errors.push(SeedError::file(
                    name,
                    format!("cannot read {}: {e}", dir.join(name).display()),
                ));
                String::new()
            }
        };
        let files = SeedFiles {
            site: read(SITE_FILE),
            places: read(PLACES_FILE),
            paths: read(PATHS_FILE),
            findings: read(FINDINGS_FILE),
            codebook: read(CODEBOOK_FILE),
        };
        if errors.is_empty() {
            Ok(files)
        } else {
            Err(errors)
        }
    }
}

/// One problem in a seed: the file, the feature or entry id, and the field.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SeedError {
    pub file: String,
    pub id: Option<String>,
    pub field: Option<String>,
    pub message: String,
    /// A place cut off from the site by closed paths (an edit may close it instead).
    #[serde(skip)]
    pub stranded: bool,
}

impl SeedError {
    pub(super) fn file(file: &str, message: impl Into<String>) -> SeedError {
        SeedError {
            file: file.to_string(),
            id: None,
            field: None,
            message: message.into(),
            stranded: false,
        }
    }
    pub(super) fn at(file: &str, id: &str, field: &str, message: impl Into<String>) -> SeedError {
        SeedError {
            file: file.to_string(),
            id: Some(id.to_string()),
            field: Some(field.to_string()),
            message: message.into(),
            stranded: false,
        }
    }
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(id) = &self.id {
            write!(f, ": {id}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Content hash of a site's data: stable across formatting, changes with any value.
pub fn content_hash(data: &SiteData) -> String {
    let bytes = serde_json::to_vec(data).expect("site data serialises");
    hex::encode(Sha256::digest(bytes))
}
