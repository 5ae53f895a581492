//! Prometheus metrics, kept in memory per node and rendered in the text exposition format.
//! Small on purpose: request counts by route and status, one latency histogram per route, and
//! the job queue's depth read from the database at scrape time.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    /// Counts one answered request. `route` is the matched route template, never the raw path
    /// (which may carry secrets such as a calendar feed token).
    pub fn observe(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        *inner
            .requests
            .entry((route.to_owned(), method.to_owned(), status))
            .or_default() += 1;
        let seconds = elapsed.as_secs_f64();
        let histogram = inner.latency.entry(route.to_owned()).or_default();
        histogram.count += 1;
        histogram.sum += seconds;
        for (slot, bound) in histogram.counts.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *slot += 1;
            }
        }
    }

    /// The exposition text, with the queue depth by state appended.
    pub fn render(&self, queue_depth: &[(String, i64)], db_up: bool) -> String {
        let mut out = String::new();
        let Ok(inner) = self.inner.lock() else {
            return out;
        };
        out.push_str(
            "# HELP kabinet_http_requests_total Requests answered, by route, method and status.\n",
        );
        out.push_str("# TYPE kabinet_http_requests_total counter\n");
        for ((route, method, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "kabinet_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                escape(route),
                escape(method)
            );
        }
        out.push_str("# HELP kabinet_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE kabinet_http_request_duration_seconds histogram\n");
        for (route, h) in &inner.latency {
            let route = escape(route);
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "kabinet_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "kabinet_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "kabinet_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "kabinet_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP kabinet_jobs Jobs in the queue, by state.\n");
        out.push_str("# TYPE kabinet_jobs gauge\n");
        for (state, n) in queue_depth {
            let _ = writeln!(out, "kabinet_jobs{{state=\"{}\"}} {n}", escape(state));
        }
        out.push_str("# HELP kabinet_database_up Whether the database answered this scrape.\n");
        out.push_str("# TYPE kabinet_database_up gauge\n");
        let _ = writeln!(out, "kabinet_database_up {}", u8::from(db_up));
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_buckets_and_queue_depth() {
        let metrics = Metrics::default();
        metrics.observe("/healthz", "GET", 200, Duration::from_millis(3));
        metrics.observe("/healthz", "GET", 200, Duration::from_millis(30));
        metrics.observe("/x\"y", "POST", 500, Duration::from_secs(20));
        let text = metrics.render(&[("pending".into(), 4)], true);
        assert!(text.contains(
            "kabinet_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "kabinet_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "kabinet_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.05\"} 2"
        ));
        assert!(text.contains(
            "kabinet_http_request_duration_seconds_bucket{route=\"/x\\\"y\",le=\"10\"} 0"
        ));
        assert!(text.contains("kabinet_jobs{state=\"pending\"} 4"));
        assert!(text.contains("kabinet_database_up 1"));
    }
}
