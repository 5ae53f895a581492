//! Rate limits on the doors people knock on: sign-in (by password, code or passkey, and its
//! second step), confirming a security change, registration and recovery, on the pages and in
//! the API — the routes declared as attempts (`routes::Routes::attempt`, `routes::attempt`). A token bucket per client address, kept in memory on
//! each node (so N nodes allow up to N times the rate; the per-account lockout in the database
//! holds across nodes). Refusals are 429 with `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::context::RequestInfo;
use crate::state::AppState;

/// Buckets beyond this many are pruned (full buckets carry no information).
const MAX_BUCKETS: usize = 100_000;

#[derive(Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Limiter {
    /// Takes one token from `key`'s bucket (`capacity` tokens, refilled at `per_second`); when
    /// none is left, how long until one is.
    pub fn take(
        &self,
        key: &str,
        capacity: f64,
        per_second: f64,
        now: Instant,
    ) -> Result<(), Duration> {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.at).as_secs_f64() * per_second < capacity
            });
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let refilled = bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = refilled.min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limits = &state.config.limits;
    if limits.enabled
        && super::routes::Policies::of(&req).is_attempt(req.method(), req.uri().path())
    {
        let ip = req
            .extensions()
            .get::<RequestInfo>()
            .and_then(|i| i.ip.clone())
            .unwrap_or_default();
        let per_minute = f64::from(limits.sign_in_per_minute);
        if let Err(wait) = state.limiter.take(
            &format!("sign-in:{ip}"),
            per_minute,
            per_minute / 60.0,
            Instant::now(),
        ) {
            tracing::warn!(ip = %ip, "sign-in attempts rate-limited");
            let seconds = wait.as_secs().max(1).to_string();
            let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
            if let Ok(v) = HeaderValue::from_str(&seconds) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return response;
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_and_refills_with_time() {
        let limiter = Limiter::default();
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.take("a", 3.0, 1.0, start).is_ok());
        }
        let wait = limiter.take("a", 3.0, 1.0, start).unwrap_err();
        assert!(wait <= Duration::from_secs(1) && wait > Duration::ZERO);
        assert!(
            limiter.take("b", 3.0, 1.0, start).is_ok(),
            "buckets are per key"
        );
        let later = start + Duration::from_millis(1100);
        assert!(
            limiter.take("a", 3.0, 1.0, later).is_ok(),
            "a token came back"
        );
        assert!(limiter.take("a", 3.0, 1.0, later).is_err());
    }
}
