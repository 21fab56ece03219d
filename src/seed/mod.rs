//! The site seed: reading a seed folder (see `docs/seed-format.md`), validating it as a whole and
//! turning it into [`SiteData`]. Nothing is written unless every check passes.
//!
//! * `files`: the five files, [`SeedError`] and the content hash;
//!
//! * `read`: the files' YAML and GeoJSON into [`SiteData`];
//! * `validate`: the checks of the whole, shared with operator edits;
//! * [`write`]: [`SiteData`] back into the files' format (exports and edits).

mod files;
mod read;
mod validate;
pub mod write;

pub use files::{
    content_hash, SeedError, SeedFiles, CODEBOOK_FILE, FINDINGS_FILE, PATHS_FILE, PLACES_FILE,
    SITE_FILE, STRANDED_MESSAGE,
};
pub use read::{field_of_serde_message, parse};
pub use validate::{
    area_positions, canonicalize, stranded_places, structural_components, validate_place,
};
