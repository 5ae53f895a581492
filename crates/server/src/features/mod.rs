//! The features, one folder each: pages, API handlers, templates and texts together.

pub mod accounts;
pub mod applications;
pub mod documents;
pub mod home;
pub mod legal;
pub mod notifications;
pub mod operator;
pub mod ops;
pub mod profile;
pub mod security;
pub mod system;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;
use crate::web::routes::Routes;
use crate::worker::{self, Every, Job, Registry};

/// What a feature plugs into the application. The application reads every list it needs from
/// [`all`] — the page routes, the API with its OpenAPI paths, the job handlers with the sweeps'
/// schedules, the home page's attention items — so a new feature is a folder with a
/// `feature()` and one line there.
pub struct Feature {
    pub name: &'static str,
    pub pages: Routes,
    pub api: OpenApiRouter<AppState>,
    pub jobs: Vec<Job>,
    /// What the feature puts under «Требует внимания» on the signed-in home.
    pub attention: Option<crate::attention::Source>,
}

impl Feature {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            pages: Routes::new(),
            api: OpenApiRouter::new(),
            jobs: Vec::new(),
            attention: None,
        }
    }

    pub fn pages(mut self, pages: Routes) -> Self {
        self.pages = self.pages.merge(pages);
        self
    }

    pub fn api(mut self, api: OpenApiRouter<AppState>) -> Self {
        self.api = self.api.merge(api);
        self
    }

    pub fn job(mut self, job: Job) -> Self {
        self.jobs.push(job);
        self
    }

    pub fn attention(mut self, source: crate::attention::Source) -> Self {
        self.attention = Some(source);
        self
    }
}

/// Every feature, in the order their API appears in the OpenAPI document.
pub fn all() -> Vec<Feature> {
    vec![
        ops::feature(),
        system::feature(),
        accounts::feature(),
        profile::feature(),
        documents::feature(),
        notifications::feature(),
        security::feature(),
        applications::feature(),
        home::feature(),
        legal::feature(),
        operator::feature(),
    ]
}

/// Every feature's pages, with their policies.
pub fn page_routes() -> Routes {
    all()
        .into_iter()
        .fold(Routes::new(), |routes, f| routes.merge(f.pages))
}

/// What every feature puts on the signed-in home, in the features' order.
pub fn attention_sources() -> &'static [crate::attention::Source] {
    // Read once: building the features builds every router (every route inserted), which cost
    // the signed-in home ~9 ms of a 10 ms request when it was done per request.
    static SOURCES: std::sync::LazyLock<Vec<crate::attention::Source>> =
        std::sync::LazyLock::new(|| all().into_iter().filter_map(|f| f.attention).collect());
    &SOURCES
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kabinet API",
        description = "The JSON API of Kabinet, a citizen's personal cabinet: for the mobile app and for agency systems. Errors have one shape: `{\"error\":{\"code\",\"message\",\"fields\"}}`; messages are in Russian unless `Accept-Language` asks for English.",
        license(name = "AGPL-3.0-or-later")
    ),
    components(schemas(crate::web::errors::ErrorBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// Every operation that takes a JSON body can also answer 400 (malformed JSON), 413 (too large),
/// 415 (not JSON) and 422 (wrong fields): the framework's answers, in our error shape. Declared
/// once here so that no endpoint forgets them.
pub struct BodyErrors;

impl utoipa::Modify for BodyErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            // The ways in (sign-in and its second step, registration) are rate-limited per address.
            if let Some(post) = item.post.as_mut()
                && crate::web::routes::is_rate_limited(post)
            {
                post.responses
                    .responses
                    .entry("429".to_owned())
                    .or_insert_with(|| {
                        error("Too many attempts from this address; see Retry-After").into()
                    });
            }
            let operations = [
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
                &mut item.get,
            ];
            for operation in operations.into_iter().flatten() {
                if operation.request_body.is_none() {
                    continue;
                }
                let responses = &mut operation.responses.responses;
                for (code, description) in [
                    ("400", "Malformed JSON"),
                    ("413", "Body too large"),
                    (
                        "415",
                        "The body is not JSON (Content-Type: application/json)",
                    ),
                    ("422", "Fields missing, unknown or of the wrong type"),
                ] {
                    responses
                        .entry(code.to_owned())
                        .or_insert_with(|| error(description).into());
                }
            }
        }
    }
}

/// Declares the bearer-token scheme that authenticated operations name.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // An agency's system: a key the operator makes for one agency, sent the same way.
        components.add_security_scheme(
            "agency_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An agency key (made at /operator/agencies/{code}/systems or with \
                         `kabinet admin create-agency-key`); it sees its agency's applications only",
                    ))
                    .build(),
            ),
        );
    }
}

/// Every feature's documented endpoints; the OpenAPI document is made from this (finish it with
/// [`BodyErrors`] once the routes are in).
pub fn api_router() -> OpenApiRouter<AppState> {
    all().into_iter().fold(
        OpenApiRouter::with_openapi(ApiDoc::openapi()),
        |router, f| router.merge(f.api),
    )
}

/// Every job handler: the shared machinery's (housekeeping, the backup, the channels'
/// deliveries) and every feature's, with the sweeps' schedules.
pub fn jobs() -> Registry {
    let machinery = [
        Job::new(worker::MAINTENANCE, worker::maintenance).every(Every::Hour),
        Job::new(crate::backup::DAILY_JOB, crate::backup::daily_job).every(Every::Day),
    ];
    machinery
        .into_iter()
        .chain(crate::channels::jobs())
        .chain(all().into_iter().flat_map(|f| f.jobs))
        .fold(Registry::default(), Registry::with)
}

#[cfg(test)]
mod tree {
    //! The features form a tree (docs/architecture.md, "Features and their dependencies"): a
    //! feature names only the features of lower layers.

    /// Bottom first; a feature may use the features of the layers before its own.
    const LAYERS: &[&[&str]] = &[
        &["legal", "system", "ops"],
        &["notifications"],
        &["documents"],
        &["accounts", "home", "operator"],
        &["security"],
        &["applications"],
        &["profile"],
    ];

    fn layer(feature: &str) -> Option<usize> {
        LAYERS.iter().position(|l| l.contains(&feature))
    }

    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn features_import_only_features_below_them() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/features");
        let mut wrong = Vec::new();
        for entry in std::fs::read_dir(&root).expect("features").flatten() {
            if !entry.path().is_dir() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let own = layer(&name).unwrap_or_else(|| panic!("{name} is in no layer of LAYERS"));
            let mut files = Vec::new();
            sources(&entry.path(), &mut files);
            for file in files {
                let text = std::fs::read_to_string(&file).expect("source");
                for (i, _) in text.match_indices("crate::features::") {
                    let used: String = text[i + 17..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    let Some(theirs) = layer(&used) else { continue };
                    if used != name && theirs >= own {
                        wrong.push(format!("{name} → {used} ({})", file.display()));
                    }
                }
            }
        }
        wrong.sort();
        wrong.dedup();
        assert!(
            wrong.is_empty(),
            "imports against the tree:\n{}",
            wrong.join("\n")
        );
    }
}
